#pragma once
// basic_handler: the protocol a connection speaks until the feed's handler
// (gateway/feed/) is plugged in, and the reference for writing one.
//
//   on open   -> {"type":"hello","worker_id":"AW...","connection":7}
//   {"op":"ping","id":1}        -> {"id":1,"type":"pong"}
//   {"op":"frobnicate","id":2}  -> {"id":2,"error":{"code":"unknown_op","message":"...","temporary":false}}
//   not JSON                    -> {"id":null,"error":{"code":"bad_json",...}}
//   not an object, no "op"      -> {"id":...,"error":{"code":"bad_request",...}}
//
// The connection stays open after each error.

#include <memory>
#include <string>
#include <string_view>

#include "hitd/gateway/metrics.hpp"
#include "hitd/gateway/session_sink.hpp"

namespace hitd::gateway {

// An error reply: {"id":<id>,"error":{"code":..,"message":..,"temporary":..}}.
// id_json is the request's id as JSON text ("null" when it had none).
std::shared_ptr<const std::string> error_frame(std::string_view id_json, std::string_view code,
                                               std::string_view message, bool temporary);
// The "id" member of a frame as JSON text, or "null" (not JSON, no id).
std::string frame_id_json(std::string_view frame);

handler_factory basic_handler_factory(metrics& m);

} // namespace hitd::gateway
