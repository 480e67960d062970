#include "hitd/gateway/feed/protocol_handler.hpp"

#include <limits>
#include <utility>

#include "hitd/gateway/feed/limits.hpp"
#include "hitd/gateway/feed/question_links.hpp"
#include "hitd/gateway/feed/wire.hpp"
#include "hitd/ids.hpp"
#include "hitd/limits.hpp"
#include "hitd/qualification.hpp"

namespace hitd::gateway {

namespace json = boost::json;

namespace {

using frame_ptr = std::shared_ptr<const std::string>;
frame_ptr share(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

bool temporary(errc c) { return c == errc::throttled || c == errc::storage_failure || c == errc::shutting_down; }

// The error of a failed field read: its code and message.
struct field_error {
  std::string_view code;
  std::string message;
};

// Reads the fields of one request; the first failure is kept.
class fields {
public:
  explicit fields(const json::object& o) : o_(o) {}

  // A string field; nullopt when absent (an error when required) or wrong.
  std::optional<std::string> text(std::string_view key, bool required, size_t max_bytes) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) {
      if (required)
        fail(protocol_error::missing_field, std::string(key) + " is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      fail(protocol_error::wrong_type, std::string(key) + " must be a string");
      return std::nullopt;
    }
    const auto& s = v->get_string();
    if (s.size() > max_bytes) {
      fail(protocol_error::bad_value, std::string(key) + " is longer than " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    return std::string(s.data(), s.size());
  }
  std::optional<bool> boolean(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null())
      return std::nullopt;
    if (!v->is_bool()) {
      fail(protocol_error::wrong_type, std::string(key) + " must be true or false");
      return std::nullopt;
    }
    return v->get_bool();
  }
  std::optional<uint64_t> position(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) {
      fail(protocol_error::missing_field, std::string(key) + " is required");
      return std::nullopt;
    }
    if (v->is_uint64())
      return v->get_uint64();
    if (v->is_int64()) {
      if (v->get_int64() < 0) {
        fail(protocol_error::bad_value, std::string(key) + " must not be negative");
        return std::nullopt;
      }
      return static_cast<uint64_t>(v->get_int64());
    }
    fail(protocol_error::wrong_type, std::string(key) + " must be an integer");
    return std::nullopt;
  }
  // A money amount as a decimal string ("0.50").
  std::optional<money> amount(std::string_view key, bool required) {
    auto t = text(key, required, 32);
    if (!t)
      return std::nullopt;
    auto m = parse_amount(*t);
    if (!m || m->cents < 0) {
      fail(protocol_error::bad_value, std::string(key) + " must be a non-negative amount such as \"0.50\"");
      return std::nullopt;
    }
    return m;
  }
  void fail(std::string_view code, std::string message) {
    if (!error)
      error = field_error{code, std::move(message)};
  }

  std::optional<field_error> error;

private:
  const json::object& o_;
};

// A subscription's filters: {"min_reward": "0.10", "keywords": [..],
// "keywords_mode": "any"|"all", "qualified_only": bool}.
std::optional<feed_filter> read_filter(const json::object& req, fields& f) {
  feed_filter out;
  auto* v = req.if_contains("filters");
  if (!v || v->is_null())
    return out;
  if (!v->is_object()) {
    f.fail(protocol_error::wrong_type, "filters must be an object");
    return std::nullopt;
  }
  const auto& o = v->get_object();
  fields ff(o);
  if (auto m = ff.amount("min_reward", false))
    out.min_reward = *m;
  if (auto* k = o.if_contains("keywords"); k && !k->is_null()) {
    if (!k->is_array()) {
      ff.fail(protocol_error::wrong_type, "keywords must be an array of strings");
    } else if (k->get_array().size() > feed_limits::filter_keywords_max) {
      ff.fail(protocol_error::bad_value, "at most 20 keywords");
    } else {
      for (const auto& w : k->get_array()) {
        if (!w.is_string()) {
          ff.fail(protocol_error::wrong_type, "keywords must be an array of strings");
          break;
        }
        const auto& s = w.get_string();
        if (s.empty() || s.size() > feed_limits::filter_keyword_bytes_max) {
          ff.fail(protocol_error::bad_value, "a keyword is 1 to 64 bytes");
          break;
        }
        out.keywords.push_back(fold(std::string_view(s.data(), s.size())));
      }
    }
  }
  if (auto mode = ff.text("keywords_mode", false, 8)) {
    if (*mode == "all")
      out.all_keywords = true;
    else if (*mode != "any")
      ff.fail(protocol_error::bad_value, "keywords_mode is \"any\" or \"all\"");
  }
  if (auto q = ff.boolean("qualified_only"))
    out.qualified_only = *q;
  if (ff.error) {
    f.fail(ff.error->code, "filters." + ff.error->message);
    return std::nullopt;
  }
  return out;
}

// A HIT as the worker doing it sees it (task_hit_json), with a signed
// `question_url` when its question is an HTMLQuestion and links are on.
json::object task_json(const hit_view& h, const question_links* links) {
  auto o = task_hit_json(h);
  if (links && root_element_is(h.question, "HTMLQuestion"))
    o["question_url"] = links->link_from_now(h.hit_id, h.requester_id);
  return o;
}

} // namespace

protocol_handler::protocol_handler(feed_hub& hub, engine_port& engine, const connection_info& who,
                                   std::shared_ptr<session_sink> sink, command_observer observe,
                                   const question_links* links)
  : hub_(hub), engine_(engine), sink_(std::move(sink)), worker_id_(who.worker_id),
    in_flight_(std::make_shared<std::atomic<int64_t>>(0)), observe_(std::move(observe)), links_(links) {}

handler_factory feed_handler_factory(feed_hub& hub, engine_port& engine, command_observer observe,
                                     const question_links* links) {
  return [&hub, &engine, observe = std::move(observe), links](const connection_info& who,
                                                             std::shared_ptr<session_sink> sink) -> std::unique_ptr<connection_handler> {
    return std::make_unique<protocol_handler>(hub, engine, who, std::move(sink), observe, links);
  };
}

void protocol_handler::report(std::string_view result) const {
  if (observe_)
    observe_(op_, result, std::chrono::steady_clock::now() - started_);
}

protocol_handler::~protocol_handler() { on_close(); }

void protocol_handler::on_open() {
  if (session_ != 0)
    return;
  if (worker_id_.empty())
    return;
  session_ = hub_.open(worker_id_, sink_);
  // The server speaks first: who the connection is, and where the feed is
  // (a client with a position of this epoch may resume from it).
  json::object o;
  o["type"] = "hello";
  o["worker_id"] = worker_id_;
  o["connection"] = sink_->id();
  o["epoch"] = hub_.epoch();
  o["position"] = hub_.stats().position;
  sink_->send(share(json::serialize(o)));
}

void protocol_handler::on_close() {
  if (session_ != 0) {
    hub_.close(session_);
    session_ = 0;
  }
}

void protocol_handler::error(const json::value& id, std::string_view code, std::string message, bool temp) {
  sink_->send(share(error_reply_frame(id, code, message, temp)));
  report(code);
}

bool protocol_handler::admit(const json::value& id) {
  if (in_flight_->fetch_add(1, std::memory_order_acq_rel) >= feed_limits::commands_in_flight_max) {
    in_flight_->fetch_sub(1, std::memory_order_acq_rel);
    error(id, protocol_error::too_many_requests, "too many commands in flight on this connection", true);
    return false;
  }
  return true;
}

void protocol_handler::on_text(std::string_view frame) {
  started_ = std::chrono::steady_clock::now();
  op_ = "invalid";
  json::value null_id;
  if (frame.size() > feed_limits::inbound_frame_bytes_max)
    return error(null_id, protocol_error::frame_too_large, "a frame is at most 131072 bytes");
  boost::system::error_code ec;
  json::value v = json::parse(frame, ec);
  if (ec)
    return error(null_id, protocol_error::malformed_json, "not JSON: " + ec.message());
  if (!v.is_object())
    return error(null_id, protocol_error::malformed_json, "a request is a JSON object");
  const auto& req = v.get_object();
  json::value id;
  if (auto* i = req.if_contains("id")) {
    if (i->is_string() && i->get_string().size() <= feed_limits::request_id_bytes_max)
      id = *i;
    else if (i->is_int64() || i->is_uint64())
      id = *i;
    else if (!i->is_null())
      return error(null_id, protocol_error::wrong_type, "id must be a string of at most 64 bytes or an integer");
  }
  if (session_ == 0)
    return error(id, protocol_error::not_authenticated, "the connection has no authenticated worker");
  handle(req, id);
}

void protocol_handler::handle(const json::object& req, const json::value& id) {
  fields f(req);
  auto op = f.text("op", true, 32);
  if (!op)
    return error(id, f.error->code, f.error->message);
  static constexpr std::string_view ops[] = {"ping", "subscribe", "resume", "unsubscribe", "accept",
                                             "return", "submit", "dashboard", "withdraw", "request_qualification",
                                             "preview", "assignments"};
  op_ = "unknown";
  for (auto known : ops)
    if (*op == known)
      op_ = std::string(known);
  // The callback of an engine command: a reply of `type` with fields(value),
  // or the engine's error. Holds the sink, not the handler.
  auto reply_with = [this, &id]<class T, class Fields>(std::string type, Fields fields_of) {
    return [sink = sink_, in_flight = in_flight_, id, type = std::move(type), fields_of = std::move(fields_of),
            observe = observe_, op = op_, started = started_](result<T> r) {
      in_flight->fetch_sub(1, std::memory_order_acq_rel);
      if (!r.ok())
        sink->send(share(error_reply_frame(id, errc_name(r.code()), r.err().message, temporary(r.code()))));
      else
        sink->send(share(reply_frame(id, type, fields_of(r.value()))));
      if (observe)
        observe(op, r.ok() ? std::string_view{"ok"} : errc_name(r.code()), std::chrono::steady_clock::now() - started);
    };
  };
  auto assignment_id = [&]() -> std::optional<std::string> {
    auto a = f.text("assignment_id", true, 64);
    if (a && !parse_assignment_id(*a)) {
      f.fail(protocol_error::bad_id, "not an assignment id: " + *a);
      return std::nullopt;
    }
    return a;
  };

  if (*op == "ping") {
    json::object o;
    o["time"] = engine_.now();
    sink_->send(share(reply_frame(id, "pong", std::move(o))));
    report("ok");
    return;
  }
  if (*op == "subscribe" || *op == "resume") {
    auto filter = read_filter(req, f);
    std::optional<resume_point> from;
    if (*op == "resume") {
      auto p = f.position("position");
      auto e = f.text("epoch", true, 64);
      if (p && e)
        from = resume_point{*p, *e};
    }
    if (f.error)
      return error(id, f.error->code, f.error->message);
    hub_.subscribe(session_, id, std::move(*filter), std::move(from));
    report("ok");
    return;
  }
  if (*op == "unsubscribe") {
    hub_.unsubscribe(session_);
    sink_->send(share(reply_frame(id, "unsubscribed")));
    report("ok");
    return;
  }
  if (*op == "accept") {
    auto hit = f.text("hit_id", false, 64);
    auto type = f.text("hit_type_id", false, 64);
    auto key = f.text("idempotency_key", false, limits::request_token_chars_max);
    if (f.error)
      return error(id, f.error->code, f.error->message);
    if (hit.has_value() == type.has_value())
      return error(id, hit ? protocol_error::bad_value : protocol_error::missing_field,
                   "give hit_id (this HIT) or hit_type_id (the next HIT of the group), one of them");
    if (hit && !parse_id(id_kind::hit, *hit))
      return error(id, protocol_error::bad_id, "not a HIT id: " + *hit);
    if (type && !parse_id(id_kind::hit_type, *type))
      return error(id, protocol_error::bad_id, "not a HIT type id: " + *type);
    accept_request r;
    r.worker_id = worker_id_;
    r.hit_id = hit.value_or("");
    r.hit_type_id = type.value_or("");
    r.idempotency_key = key.value_or("");
    if (!admit(id))
      return;
    engine_.accept(std::move(r), reply_with.template operator()<assignment_view>("accepted", [](const assignment_view& a) {
      json::object o;
      o["assignment"] = assignment_json(a);
      return o;
    }));
    return;
  }
  if (*op == "return") {
    auto a = assignment_id();
    if (f.error)
      return error(id, f.error->code, f.error->message);
    if (!admit(id))
      return;
    engine_.return_assignment(worker_id_, *a, reply_with.template operator()<done>("returned", [a = *a](const done&) {
      json::object o;
      o["assignment_id"] = a;
      return o;
    }));
    return;
  }
  if (*op == "submit") {
    auto a = assignment_id();
    auto answer = f.text("answer", true, limits::answer_bytes_max);
    auto key = f.text("idempotency_key", false, limits::request_token_chars_max);
    if (f.error)
      return error(id, f.error->code, f.error->message);
    submit_request r;
    r.worker_id = worker_id_;
    r.assignment_id = *a;
    r.answer = std::move(*answer);
    r.idempotency_key = key.value_or("");
    if (!admit(id))
      return;
    engine_.submit(std::move(r), reply_with.template operator()<done>("submitted", [a = *a](const done&) {
      json::object o;
      o["assignment_id"] = a;
      return o;
    }));
    return;
  }
  if (*op == "dashboard") {
    if (!admit(id))
      return;
    engine_.dashboard(worker_id_, reply_with.template operator()<worker_dashboard>("dashboard", [](const worker_dashboard& d) {
      return dashboard_json(d);
    }));
    return;
  }
  if (*op == "assignments") {
    if (!admit(id))
      return;
    engine_.assignments_in_progress(
        worker_id_, reply_with.template operator()<worker_assignments>("assignments", [links = links_](const worker_assignments& l) {
          json::array items;
          for (const auto& a : l.items) {
            json::object o;
            o["assignment"] = assignment_json(a.assignment);
            o["hit"] = task_json(a.hit, links);
            items.push_back(std::move(o));
          }
          json::object out;
          out["assignments"] = std::move(items);
          out["more"] = l.more;
          return out;
        }));
    return;
  }
  if (*op == "withdraw") {
    auto amount = f.amount("amount", true);
    auto key = f.text("idempotency_key", false, limits::request_token_chars_max);
    if (f.error)
      return error(id, f.error->code, f.error->message);
    if (amount->cents <= 0)
      return error(id, protocol_error::bad_value, "amount must be positive");
    if (!admit(id))
      return;
    engine_.withdraw(worker_id_, *amount, key.value_or(""),
                     reply_with.template operator()<money>("withdrawn", [amount = *amount](const money& left) {
                       json::object o;
                       o["amount"] = format_amount(amount);
                       o["available_balance"] = format_amount(left);
                       return o;
                     }));
    return;
  }
  if (*op == "preview") {
    auto hit = f.text("hit_id", true, 64);
    if (f.error)
      return error(id, f.error->code, f.error->message);
    if (!parse_id(id_kind::hit, *hit))
      return error(id, protocol_error::bad_id, "not a HIT id: " + *hit);
    // Only a HIT the feed offers now, to a worker its requirements let
    // preview (no requirement guarding Preview unmet, not blocked by the
    // requester); then the question, read from the HIT.
    auto def = hub_.offered(*hit);
    if (!def)
      return error(id, errc_name(errc::hit_does_not_exist),
                   "HIT " + *hit + " is not offered now (it expired, every assignment is taken, or it never existed)");
    if (!admit(id))
      return;
    auto finish = [sink = sink_, in_flight = in_flight_, id, observe = observe_, op = op_,
                   started = started_](std::string_view code, std::string message, bool temp, json::object fields_out) {
      in_flight->fetch_sub(1, std::memory_order_acq_rel);
      if (code.empty())
        sink->send(share(reply_frame(id, "preview", std::move(fields_out))));
      else
        sink->send(share(error_reply_frame(id, code, message, temp)));
      if (observe)
        observe(op, code.empty() ? std::string_view{"ok"} : code, std::chrono::steady_clock::now() - started);
    };
    engine_.worker_credentials_of(
        worker_id_, [&engine = engine_, def, hit_id = *hit, finish, links = links_](result<worker_credentials> c) mutable {
          if (!c.ok())
            return finish(errc_name(c.code()), c.err().message, temporary(c.code()), {});
          if (c->blocked_by.count(def->requester_id))
            return finish(errc_name(errc::worker_blocked), "the HIT's requester blocked this worker", false, {});
          if (!evaluate_requirements(def->properties->requirements, *c).preview)
            return finish(errc_name(errc::does_not_meet_requirements),
                          "the worker does not meet the qualification requirements guarding preview", false, {});
          engine.get_hit(def->requester_id, hit_id, [finish, links](result<hit_view> h) mutable {
            if (!h.ok())
              return finish(errc_name(h.code()), h.err().message, temporary(h.code()), {});
            json::object out;
            out["hit"] = task_json(*h, links);
            finish({}, {}, false, std::move(out));
          });
        });
    return;
  }
  if (*op == "request_qualification") {
    auto type = f.text("qualification_type_id", true, 64);
    auto answer = f.text("answer", false, limits::answer_bytes_max);
    if (f.error)
      return error(id, f.error->code, f.error->message);
    if (!is_entity_id(*type))
      return error(id, protocol_error::bad_value, "qualification_type_id must match ^[A-Z0-9]+$");
    if (!admit(id))
      return;
    engine_.request_qualification(
        worker_id_, *type, answer.value_or(""),
        reply_with.template operator()<qualification_request_outcome>(
            "qualification_requested", [type = *type](const qualification_request_outcome& o) {
              json::object out;
              out["qualification_type_id"] = type;
              out["granted"] = o.granted;
              if (o.granted)
                out["value"] = o.value;
              else
                out["qualification_request_id"] = o.qualification_request_id;
              return out;
            }));
    return;
  }
  error(id, protocol_error::unknown_op, "unknown op: " + *op);
}

} // namespace hitd::gateway
