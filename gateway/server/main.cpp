// hitd: the server and its admin command line.
//
//   hitd serve [--config FILE] [--listen 127.0.0.1:8080] [--data-dir DIR] ...
//   hitd admin create-requester --data-dir DIR --name NAME
//   hitd admin create-worker --data-dir DIR
//   hitd admin deposit --data-dir DIR --requester ID --amount 100.00
//   hitd admin create-accounts --data-dir DIR --requesters N --workers M --out FILE (for hitd-load)
//   (serve and admin: [--secrets-key-file FILE], default DIR.key)
//
// docs/operations.md says what each flag and config key does. Exit codes:
// 0 success, 1 a failure while running, 2 bad arguments or configuration.

#include <pthread.h>
#include <signal.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include <hitd/gateway/config_file.hpp>
#include <hitd/gateway/credentials.hpp>
#include <hitd/gateway/feed/feed_hub.hpp>
#include <hitd/gateway/feed/protocol_handler.hpp>
#include <hitd/gateway/feed/question_links.hpp>
#include <hitd/gateway/http_client.hpp>
#include <hitd/gateway/log.hpp>
#include <hitd/gateway/mturk/api.hpp>
#include <hitd/gateway/mturk/notifier.hpp>
#include <hitd/gateway/server.hpp>
#include <hitd/gateway/web/site.hpp>
#include <hitd/hitd.hpp>
#include <hitd/storage/rocksdb_store.hpp>

namespace {

using namespace hitd;
using namespace hitd::gateway;

constexpr const char* usage_main = R"(hitd - a HIT dispatcher (the engine behind an MTurk-like marketplace)

usage:
  hitd serve [options]         run the server (HTTP + WebSocket worker feed)
  hitd admin <command> ...     manage accounts in a data directory (server stopped)
  hitd help [serve|admin]      this text, or a command's

Run `hitd serve --help` or `hitd admin --help` for their options.
)";

constexpr const char* usage_serve = R"(usage: hitd serve [options]

Runs the server on one port: GET /healthz, GET /metrics, the worker
WebSocket at /ws (Authorization: Bearer <token>, or ?token=<token>),
MTurk's requester API at POST / (AWS Signature V4 with a requester's access
key; point an MTurk client's endpoint URL at http://ADDR:PORT), and the
web pages at GET /worker.html and /requester.html.
Options may also come from a config file (`key = value` lines, keys are the
option names without dashes); options given here override it.

  --config FILE                  read options from FILE first
  --listen ADDR:PORT             address to bind (default 127.0.0.1:8080; [::1]:8080 for IPv6)
  --data-dir DIR                 the RocksDB data directory (required; created if missing)
  --secrets-key-file FILE        the key that encrypts requesters' secret access keys (default DIR.key,
                                 beside the data directory; created, mode 0600, if missing)
  --durability sync|wal|none     when a command is acknowledged (default sync; docs/storage.md)
  --threads N                    io threads (default 1)
  --engine-threads N             engine scheduler threads (default 0 = one per core)
  --max-connections N            open WebSockets at most (default 10000)
  --read-message-max BYTES       largest inbound frame (default 131072)
  --outbound-queue-max-bytes N   per-connection outbound queue, bytes (default 1048576)
  --outbound-queue-max-messages N  per-connection outbound queue, frames (default 4096)
  --commands-per-s R             per-connection command rate (default 20)
  --command-burst B              per-connection command burst (default 40)
  --idle-timeout S               close after S seconds without a frame from the client; ping at S/2 (default 60)
  --allowed-origins LIST         comma-separated Origins allowed to connect (default: any); the
                                 server's own origin (the web pages) is always allowed
  --notify-allowed-hosts LIST    hosts a notification Destination may name: IPv4 prefixes (10.1.0.0/16),
                                 ::1 or localhost (default: 127.0.0.0/8,::1,localhost)
  --log-level LEVEL              debug, info, warn, error or off (default info)
  --demo                         on a data directory without accounts, create a demo requester
                                 ($1000.00) and three demo workers, and print their credentials
)";

constexpr const char* usage_admin = R"(usage: hitd admin <command> --data-dir DIR [options]

Works on the data directory directly: stop the server first (RocksDB locks
the directory; a running server makes these fail with a lock error).

  create-requester --name NAME           prints the requester id, access key id and secret access key
  create-access-key --requester ID       another access key for a requester (its earlier keys keep working)
  create-worker                          prints the worker id and its token
  deposit --requester ID --amount 100.00 adds funds to a requester's available balance
  create-accounts --requesters N --workers M --out FILE [--deposit 1000.00] [--past-probation]
                                         many accounts at once, for a load test (hitd-load,
                                         docs/load-testing.md): writes their credentials as JSON
                                         to FILE (mode 0600); --past-probation registers the
                                         workers 1 year ago, so they are past probation's cap

  --secrets-key-file FILE                the key that encrypts requesters' secret access keys
                                         (default DIR.key; created, mode 0600, if missing)
)";

struct args {
  std::map<std::string, std::string> values;   // option name (no dashes) -> value
  std::set<std::string> flags;                 // options without a value
  std::vector<std::string> positional;
};

const std::set<std::string> boolean_options = {"demo", "help", "past-probation"};

// --name value, --name=value, or a boolean --flag.
std::optional<args> parse_args(int argc, char** argv, int from, std::string& why) {
  args a;
  for (int i = from; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) != 0) {
      a.positional.push_back(s);
      continue;
    }
    s = s.substr(2);
    auto eq = s.find('=');
    if (eq != std::string::npos) {
      a.values[s.substr(0, eq)] = s.substr(eq + 1);
    } else if (boolean_options.count(s)) {
      a.flags.insert(s);
    } else if (i + 1 < argc) {
      a.values[s] = argv[++i];
    } else {
      why = "option --" + s + " needs a value";
      return std::nullopt;
    }
  }
  return a;
}

template <class T>
bool parse_number(const std::string& text, T& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && p == text.data() + text.size();
}

bool parse_double(const std::string& text, double& out) {
  try {
    size_t n = 0;
    out = std::stod(text, &n);
    return n == text.size();
  } catch (...) {
    return false;
  }
}

int fail(const std::string& why, int code = 2) {
  std::cerr << "hitd: " << why << "\n";
  return code;
}

// ---- the data directory -----------------------------------------------------------------

struct opened {
  std::shared_ptr<storage::rocksdb_store> store;
  std::unique_ptr<engine> e;
  ~opened() {
    e.reset();   // waits for work in flight
    if (store)
      store->close();
  }
};

result<std::unique_ptr<opened>> open_data_dir(const std::string& dir, storage::durability mode, size_t engine_threads) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return error{errc::invalid_parameter_value, "cannot create data directory " + dir + ": " + ec.message()};
  storage::store_options so;
  so.path = dir;
  so.mode = mode;
  auto store = storage::rocksdb_store::open(so);
  if (!store.ok())
    return store.err();
  auto o = std::make_unique<opened>();
  o->store = *store;
  engine::options eo;
  eo.store = o->store;
  eo.config.scheduler_threads = engine_threads;
  try {
    o->e = std::make_unique<engine>(eo);
  } catch (const std::exception& ex) {
    return error{errc::storage_failure, std::string{"the engine could not start: "} + ex.what()};
  }
  return o;
}

std::string random_token() {
  // A deposit's idempotency token: unique per call.
  return "admin-" + sha256_hex(std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "/" +
                               std::to_string(::getpid()))
                      .substr(0, 24);
}

result<std::string> create_worker_with_token(engine& e, credentials& creds, std::string& token) {
  auto w = e.create_worker({});
  if (!w.ok())
    return w;
  auto t = creds.issue_worker_token(*w, e.now());
  if (!t.ok())
    return t.err();
  token = *t;
  return w;
}

// --secrets-key-file, or the data directory's sibling DIR.key.
std::string secrets_key_file(const std::map<std::string, std::string>& values) {
  auto it = values.find("secrets-key-file");
  if (it != values.end() && !it->second.empty())
    return it->second;
  return default_secrets_key_path(values.at("data-dir"));
}

// ---- admin ---------------------------------------------------------------------------------

// create-accounts: N requesters with an access key and a deposit each, M
// workers with a token each, written as JSON to `out` (mode 0600: it holds
// the secrets) for hitd-load's --accounts (docs/load-testing.md).
int create_accounts(engine& e, credentials& creds, size_t n_requesters, size_t n_workers, money deposit,
                    bool past_probation, const std::string& out) {
  // The file first: accounts whose secrets could not be written would be lost.
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    auto why = std::string{std::strerror(errno)};
    if (fd >= 0)
      ::close(fd);
    return fail("cannot write " + out + ": " + why, 1);
  }
  struct closer {
    int fd;
    ~closer() {
      if (fd >= 0)
        ::close(fd);
    }
  } guard{fd};
  boost::json::array requesters, workers;
  for (size_t i = 0; i < n_requesters; ++i) {
    auto r = e.create_requester({"Load requester " + std::to_string(i + 1)});
    if (!r.ok())
      return fail(r.err().message, 1);
    auto k = creds.issue_access_key(*r, e.now());
    if (!k.ok())
      return fail(k.err().message, 1);
    if (deposit.cents > 0)
      if (auto b = e.deposit(*r, deposit, random_token() + "-" + std::to_string(i)); !b.ok())
        return fail(b.err().message, 1);
    requesters.push_back(boost::json::object{{"requester_id", *r}, {"access_key_id", k->access_key_id},
                                             {"secret_access_key", k->secret_access_key},
                                             {"deposit", format_amount(deposit)}});
  }
  for (size_t i = 0; i < n_workers; ++i) {
    worker_spec spec;
    if (past_probation)
      spec.registered = e.now() - 365 * ms_per_day;
    auto w = e.create_worker(spec);
    if (!w.ok())
      return fail(w.err().message, 1);
    auto t = creds.issue_worker_token(*w, e.now());
    if (!t.ok())
      return fail(t.err().message, 1);
    workers.push_back(boost::json::object{{"worker_id", *w}, {"token", *t}});
  }
  std::string text = boost::json::serialize(boost::json::object{{"requesters", std::move(requesters)},
                                                                {"workers", std::move(workers)}}) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  guard.fd = -1;
  ok = (::close(fd) == 0) && ok;
  if (!ok)
    return fail("cannot write " + out + ": " + std::strerror(errno), 1);
  std::cout << "requesters=" << n_requesters << "\nworkers=" << n_workers << "\nout=" << out << "\n";
  return 0;
}

int admin(int argc, char** argv) {
  if (argc < 3 || std::string{argv[2]} == "--help" || std::string{argv[2]} == "help") {
    std::cout << usage_admin;
    return argc < 3 ? 2 : 0;
  }
  std::string cmd = argv[2];
  std::string why;
  auto a = parse_args(argc, argv, 3, why);
  if (!a)
    return fail(why);
  if (a->flags.count("help")) {
    std::cout << usage_admin;
    return 0;
  }
  if (!a->positional.empty())
    return fail("unexpected argument " + a->positional.front());
  if (cmd != "create-requester" && cmd != "create-worker" && cmd != "deposit" && cmd != "create-access-key" &&
      cmd != "create-accounts")
    return fail("unknown admin command \"" + cmd +
                "\" (create-requester, create-access-key, create-worker, deposit, create-accounts)");
  if (!a->values.count("data-dir"))
    return fail("--data-dir is required");
  money amount;
  if (cmd == "deposit") {
    if (!a->values.count("requester") || !a->values.count("amount"))
      return fail("deposit needs --requester and --amount");
    auto m = parse_amount(a->values["amount"]);
    if (!m || m->cents <= 0)
      return fail("--amount must be a positive amount like 100.00");
    amount = *m;
  }
  if (cmd == "create-access-key" && (!a->values.count("requester") || a->values["requester"].empty()))
    return fail("create-access-key needs --requester");
  if (cmd != "create-accounts" && a->flags.count("past-probation"))
    return fail("--past-probation is an option of create-accounts only");
  if (cmd == "create-requester" && (!a->values.count("name") || a->values["name"].empty()))
    return fail("create-requester needs --name");
  size_t n_requesters = 0, n_workers = 0;
  if (cmd == "create-accounts") {
    if (!a->values.count("out") || a->values["out"].empty())
      return fail("create-accounts needs --out FILE");
    if (!a->values.count("requesters") || !parse_number(a->values["requesters"], n_requesters) ||
        n_requesters < 1 || n_requesters > 1'000)
      return fail("create-accounts needs --requesters N, 1 to 1000");
    if (!a->values.count("workers") || !parse_number(a->values["workers"], n_workers) || n_workers > 100'000)
      return fail("create-accounts needs --workers M, 0 to 100000");
    auto m = parse_amount(a->values.count("deposit") ? a->values["deposit"] : "1000.00");
    if (!m || m->cents < 0)
      return fail("--deposit must be an amount like 1000.00");
    amount = *m;
  }
  auto o = open_data_dir(a->values["data-dir"], storage::durability::sync, 1);
  if (!o.ok()) {
    bool locked = o.err().message.find("LOCK") != std::string::npos;
    return fail(o.err().message + (locked ? " (is a server running on this directory? stop it first)" : ""), 1);
  }
  auto& e = *(*o)->e;
  auto key = load_or_create_secrets_key(secrets_key_file(a->values));
  if (!key.ok())
    return fail(key.err().message, 1);
  credentials creds{(*o)->store, *key};
  if (cmd == "create-requester") {
    auto r = e.create_requester({a->values["name"]});
    if (!r.ok())
      return fail(r.err().message, 1);
    auto k = creds.issue_access_key(*r, e.now());
    if (!k.ok())
      return fail(k.err().message, 1);
    std::cout << "requester_id=" << *r << "\naccess_key_id=" << k->access_key_id
              << "\nsecret_access_key=" << k->secret_access_key << "\n";
  } else if (cmd == "create-access-key") {
    // Another key for an existing requester (after a lost secrets key file,
    // or to rotate): its earlier keys keep working.
    auto& requester = a->values["requester"];
    if (auto b = e.get_account_balance(requester); !b.ok())
      return fail(b.err().message, 1);
    auto k = creds.issue_access_key(requester, e.now());
    if (!k.ok())
      return fail(k.err().message, 1);
    std::cout << "requester_id=" << requester << "\naccess_key_id=" << k->access_key_id
              << "\nsecret_access_key=" << k->secret_access_key << "\n";
  } else if (cmd == "create-worker") {
    std::string token;
    auto w = create_worker_with_token(e, creds, token);
    if (!w.ok())
      return fail(w.err().message, 1);
    std::cout << "worker_id=" << *w << "\ntoken=" << token << "\n";
  } else if (cmd == "create-accounts") {
    return create_accounts(e, creds, n_requesters, n_workers, amount, a->flags.count("past-probation") > 0,
                           a->values["out"]);
  } else {
    auto b = e.deposit(a->values["requester"], amount, random_token());
    if (!b.ok())
      return fail(b.err().message, 1);
    std::cout << "requester_id=" << a->values["requester"] << "\navailable=" << format_amount(b->available)
              << "\non_hold=" << format_amount(b->on_hold) << "\n";
  }
  return 0;
}

// ---- serve ---------------------------------------------------------------------------------

const std::set<std::string> serve_keys = {
  "config", "listen", "data-dir", "durability", "threads", "engine-threads", "max-connections", "read-message-max",
  "outbound-queue-max-bytes", "outbound-queue-max-messages", "commands-per-s", "command-burst", "idle-timeout",
  "allowed-origins", "notify-allowed-hosts", "log-level", "demo", "secrets-key-file"};

bool parse_listen(const std::string& text, std::string& address, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return false;
  address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  return !address.empty() && parse_number(text.substr(colon + 1), port);
}

int serve(int argc, char** argv) {
  std::string why;
  auto a = parse_args(argc, argv, 2, why);
  if (!a)
    return fail(why);
  if (a->flags.count("help")) {
    std::cout << usage_serve;
    return 0;
  }
  if (!a->positional.empty())
    return fail("unexpected argument " + a->positional.front());
  if (a->flags.count("past-probation"))
    return fail("unknown option --past-probation (see hitd serve --help)");
  // The config file first; flags override it.
  std::map<std::string, std::string> v;
  bool demo = a->flags.count("demo") > 0;
  if (a->values.count("config")) {
    std::ifstream in{a->values["config"]};
    if (!in)
      return fail("cannot read config file " + a->values["config"]);
    std::stringstream ss;
    ss << in.rdbuf();
    auto entries = parse_config(ss.str());
    if (!entries.ok())
      return fail(entries.err().message);
    for (auto& [k, val] : *entries) {
      if (!serve_keys.count(k) || k == "config")
        return fail("unknown config key \"" + k + "\"");
      v[k] = val;
    }
  }
  for (auto& [k, val] : a->values) {
    if (!serve_keys.count(k))
      return fail("unknown option --" + k + " (see hitd serve --help)");
    v[k] = val;
  }
  if (v.count("demo")) {   // `demo = true` in the file, or --demo=false
    const auto& d = v["demo"];
    if (d != "true" && d != "false" && d != "1" && d != "0" && d != "yes" && d != "no")
      return fail("demo must be true or false");
    demo = (d == "true" || d == "1" || d == "yes") || (a->flags.count("demo") && !a->values.count("demo"));
  }

  server_options so;
  if (v.count("listen") && !parse_listen(v["listen"], so.listen_address, so.port))
    return fail("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  auto number = [&](const char* key, auto& out) -> bool {
    if (!v.count(key))
      return true;
    if (!parse_number(v[key], out)) {
      fail(std::string{"--"} + key + " must be a non-negative integer");
      return false;
    }
    return true;
  };
  auto real = [&](const char* key, double& out) -> bool {
    if (!v.count(key))
      return true;
    if (!parse_double(v[key], out)) {
      fail(std::string{"--"} + key + " must be a number");
      return false;
    }
    return true;
  };
  size_t engine_threads = 0;
  if (!number("threads", so.threads) || !number("engine-threads", engine_threads) ||
      !number("max-connections", so.max_connections) || !number("read-message-max", so.read_message_max_bytes) ||
      !number("outbound-queue-max-bytes", so.outbound_queue_max_bytes) ||
      !number("outbound-queue-max-messages", so.outbound_queue_max_messages) ||
      !number("idle-timeout", so.idle_timeout_s) || !real("commands-per-s", so.commands_per_s) ||
      !real("command-burst", so.command_burst))
    return 2;
  if (v.count("allowed-origins")) {
    std::stringstream ss{v["allowed-origins"]};
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty())
        so.allowed_origins.push_back(item);
  }
  gateway_mturk::notifier_options notify_opts;
  if (v.count("notify-allowed-hosts")) {
    notify_opts.allowed_hosts.clear();
    std::stringstream ss{v["notify-allowed-hosts"]};
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty())
        notify_opts.allowed_hosts.push_back(item);
  }
  if (auto ok = validate(so); !ok.ok())
    return fail(ok.err().message);
  auto level = parse_log_level(v.count("log-level") ? v["log-level"] : "info");
  if (!level.ok())
    return fail(level.err().message);
  auto mode = storage::parse_durability(v.count("durability") ? v["durability"] : "sync");
  if (!mode.ok())
    return fail(mode.err().message);
  if (!v.count("data-dir") || v["data-dir"].empty())
    return fail("--data-dir is required");

  // SIGINT and SIGTERM are taken by sigwait below: block them before any
  // thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  logger log{*level};
  auto o = open_data_dir(v["data-dir"], *mode, engine_threads);
  if (!o.ok()) {
    log.error("cannot open the data directory", {{"dir", v["data-dir"]}, {"error", o.err().message}});
    return 1;
  }
  auto& e = *(*o)->e;
  auto key_file = secrets_key_file(v);
  auto key = load_or_create_secrets_key(key_file);
  if (!key.ok()) {
    log.error("cannot open the secrets key", {{"file", key_file}, {"error", key.err().message}});
    return 1;
  }
  auto creds = std::make_shared<credentials>((*o)->store, *key);
  if (auto unreadable = creds->unreadable_access_keys(); unreadable.ok() && *unreadable > 0)
    log.warn("access keys do not decrypt with the secrets key file (another key file?); they must be re-issued",
             {{"file", key_file}, {"count", *unreadable}});
  log.info("data directory open",
           {{"dir", v["data-dir"]}, {"durability", storage::durability_name(*mode)}});

  if (demo) {
    auto any = creds->any();
    if (!any.ok()) {
      log.error("cannot read credentials", {{"error", any.err().message}});
      return 1;
    }
    if (*any) {
      log.info("demo accounts not created: the data directory already has credentials");
    } else {
      auto r = e.create_requester({"Demo Requester"});
      auto k = r.ok() ? creds->issue_access_key(*r, e.now()) : result<access_key>{r.err()};
      auto b = r.ok() ? e.deposit(*r, cents(100'000), "demo-deposit") : result<account_balance>{r.err()};
      if (!k.ok() || !b.ok()) {
        log.error("cannot create the demo requester", {{"error", (!k.ok() ? k.err() : b.err()).message}});
        return 1;
      }
      std::cout << "demo requester " << *r << " (balance " << format_amount(b->available) << ")\n"
                << "  access_key_id=" << k->access_key_id << "\n  secret_access_key=" << k->secret_access_key << "\n";
      for (int i = 0; i < 3; ++i) {
        std::string token;
        auto w = create_worker_with_token(e, *creds, token);
        if (!w.ok()) {
          log.error("cannot create a demo worker", {{"error", w.err().message}});
          return 1;
        }
        std::cout << "demo worker " << *w << "\n  token=" << token << "\n";
      }
      std::cout.flush();
    }
  }

  // The worker feed: the available HITs (stored ones too) before the first
  // connection, then every event; one protocol handler per connection.
  gateway::engine_adapter engine_port{e};
  auto hub = std::make_unique<gateway::feed_hub>(engine_port);
  if (auto s = hub->start(); !s.ok()) {
    log.error("cannot read the available HITs", {{"error", s.err().message}});
    return 1;
  }
  log.info("feed ready", {{"hits", std::to_string(hub->stats().hits)}, {"epoch", hub->epoch()}});
  server srv{so, e, creds, log};
  // Signed links to HTMLQuestion pages (the feed gives them out, the pages
  // check them): a key of this process.
  gateway::question_links question_links;
  srv.set_handler_factory(gateway::feed_handler_factory(
      *hub, engine_port,
      [&m = srv.metrics()](std::string_view op, std::string_view result, std::chrono::nanoseconds rtt) {
        m.command(op, result, rtt);
      },
      &question_links));
  // Notifications of the requesters' HIT types, by HTTP POST
  // (docs/mturk-notifications.md); then the MTurk requester API on the same
  // port (POST /, SigV4 with the requesters' access keys).
  gateway::http_client notify_client;
  gateway_mturk::notifier notify{e, notify_client, notify_opts};
  notify.start();
  gateway_mturk::api_options api_opts;
  api_opts.on_answer = [&m = srv.metrics()](std::string_view op, std::string_view result,
                                            std::chrono::nanoseconds took) { m.api_request(op, result, took); };
  gateway_mturk::requester_api mturk_api{
      e,
      [creds](std::string_view key_id) -> std::optional<gateway_mturk::requester_key> {
        auto k = creds->find_access_key(std::string{key_id});
        if (!k)
          return std::nullopt;
        return gateway_mturk::requester_key{k->requester_id, k->secret_access_key};
      },
      &notify, api_opts};
  // GET: the worker and requester pages (docs/web.md); the rest: the API.
  // /question and /mturk/externalSubmit for the HITs' questions too.
  gateway_web::question_pages questions;
  questions.links = &question_links;
  questions.question_of = [&e](std::string hit_id, std::string requester_id,
                               std::function<void(std::optional<std::string>)> done) {
    e.get_hit(std::move(requester_id), std::move(hit_id), [done = std::move(done)](result<hit_view> h) {
      if (h.ok())
        done(std::move(h->question));
      else
        done(std::nullopt);
    });
  };
  srv.set_http_handler(gateway_web::with_pages(mturk_api.handler(), std::move(questions)));
  auto port = srv.start();
  if (!port.ok()) {
    log.error("cannot listen", {{"error", port.err().message}});
    return 1;
  }
  // The feed's application heartbeat (its position) every 15 s, until the
  // signal below.
  std::mutex beat_mutex;
  std::condition_variable beat_cv;
  bool stopping = false;
  std::thread beat{[&] {
    std::unique_lock<std::mutex> lock{beat_mutex};
    while (!beat_cv.wait_for(lock, std::chrono::seconds(15), [&] { return stopping; }))
      hub->heartbeat();
  }};
  std::cout << "hitd listening on " << so.listen_address << ":" << *port << " (ws://" << so.listen_address << ":"
            << *port << "/ws)" << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  log.info("signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  {
    std::lock_guard<std::mutex> lock{beat_mutex};
    stopping = true;
  }
  beat_cv.notify_all();
  beat.join();
  srv.shutdown();
  notify.stop();  // leaves the engine's event bus; deliveries in flight end (bounded)
  hub.reset();  // leaves the engine's event bus
  o->reset();   // stops the engine, then flushes and closes the store
  log.info("bye");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << usage_main;
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    if (argc >= 3 && std::string{argv[2]} == "serve")
      std::cout << usage_serve;
    else if (argc >= 3 && std::string{argv[2]} == "admin")
      std::cout << usage_admin;
    else
      std::cout << usage_main;
    return 0;
  }
  if (cmd == "serve")
    return serve(argc, argv);
  if (cmd == "admin")
    return admin(argc, argv);
  std::cerr << "hitd: unknown command \"" << cmd << "\"\n" << usage_main;
  return 2;
}
