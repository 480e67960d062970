#pragma once
// The feed's JSON on the wire (docs/protocol.md), built with Boost.JSON. One
// function per message shape, so the documentation and the code have one
// place to agree.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "hitd/events.hpp"
#include "hitd/model.hpp"

namespace hitd::gateway {

struct feed_event;
struct feed_hit;

std::string_view reason_name(unavailable_reason r);   // "lifetime_over", "all_taken", "withdrawn"

// A HIT's shared (type) properties: title, description, keywords, reward,
// durations, requirements, requester.
boost::json::object group_json(const hit_definition& def);
// One HIT in full: group_json plus hit_id, assignments, expiration.
boost::json::object hit_json(const feed_hit& h);
// One HIT in a snapshot group: hit_id, assignments, expiration, position.
boost::json::object group_member_json(const feed_hit& h);

// hit.available / hit.updated / hit.expired.
std::string feed_event_frame(const feed_event& e);
// The same HIT shown or hidden for one session only (its filter or its
// credentials changed what it may see): hit.available, or hit.expired with
// `reason` ("not_matching", "not_eligible").
std::string session_available_frame(const feed_hit& h, uint64_t position);
std::string session_expired_frame(const feed_hit& h, uint64_t position, std::string_view reason);

// A worker's own event (assignment.*, bonus.paid, earnings.withdrawn,
// qualification.*, worker.*); empty when the event is not a personal one.
std::string personal_frame(const event& e);
bool is_personal(event_type t);

boost::json::object assignment_json(const assignment_view& a);
// A HIT as a worker doing it sees it: title, description, keywords, reward,
// duration, expiry, assignments, and the question (preview, assignments).
boost::json::object task_hit_json(const hit_view& h);
boost::json::object dashboard_json(const worker_dashboard& d);

// {"id":..,"error":{"code":..,"message":..,"temporary":..}}
std::string error_reply_frame(const boost::json::value& id, std::string_view code, std::string_view message,
                        bool temporary);
// {"id":.., "type": type, ...fields}
std::string reply_frame(const boost::json::value& id, std::string_view type, boost::json::object fields = {});

} // namespace hitd::gateway
