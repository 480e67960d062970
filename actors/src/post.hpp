#pragma once
// How hitd's actors send one another one-way messages.

#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/execution_unit.hpp>
#include <caf/message_id.hpp>

namespace hitd::detail {

// The CAF worker thread running the current actor's handler (set by
// `on_unit` around each handler), null on any other thread: the engine's
// callers, the writer, the timer thread.
inline thread_local caf::execution_unit* current_unit = nullptr;

struct on_unit {
  caf::execution_unit* prev;
  explicit on_unit(caf::execution_unit* eu) : prev(current_unit) { current_unit = eu; }
  ~on_unit() { current_unit = prev; }
  on_unit(const on_unit&) = delete;
  on_unit& operator=(const on_unit&) = delete;
};

// A one-way message to `to`. From inside a handler, a receiver that was idle
// is scheduled on the sender's own worker (CAF's `exec_later`: a push onto
// that worker's queue, which the other worker may steal from), as
// `self->send` would; `caf::anon_send` always goes through the
// coordinator instead: a round-robin pick of a worker, a mutex and often a
// condition-variable wake-up per message.
//
// Only a worker of the receiver's own actor system is used: a program that
// embeds two engines may call one from the other's callbacks, and an actor
// queued on the other system's worker would stop with that system.
template <class Msg>
void post(const caf::actor& to, Msg&& m) {
  if (!to)
    return;
  caf::execution_unit* eu = current_unit;
  if (eu != nullptr && &eu->system() != &to->home_system())
    eu = nullptr;
  to->eq_impl(caf::make_message_id(), nullptr, eu, std::forward<Msg>(m));
}

} // namespace hitd::detail
