#pragma once
// The run: connects the workers (WebSocket, one connection each), reads the
// requesters' balances, drives the scenario's iterations against the
// requester API and the worker protocol, drains, reads the balances again.
// Single-threaded (one Asio io_context, C++20 coroutines).

#include <string>

#include "scenario.hpp"
#include "stats.hpp"

namespace hitd::load {

// Runs s with the accounts; fills out. Returns an error message when the run
// could not start (the target unreachable, an account refused, ...), else
// empty. With progress, a status line is redrawn on stderr once a second.
std::string run(const scenario& s, const accounts& a, run_stats& out, bool progress);

} // namespace hitd::load
