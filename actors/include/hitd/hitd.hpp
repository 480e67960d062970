#pragma once
// hitd's one public header for embedding: the engine and everything its
// commands take and return. Link the CMake target hitd::actors.
//
//   hitd::engine e;                                   // wall clock, in memory
//   auto req = e.create_requester({"Acme"});
//   e.deposit(*req, hitd::cents(10'000), "first-deposit");
//   ...
// See docs/embedding.md for a whole program.

#include "hitd/engine.hpp"
#include "hitd/error.hpp"
#include "hitd/events.hpp"
#include "hitd/ids.hpp"
#include "hitd/model.hpp"
#include "hitd/money.hpp"
#include "hitd/result.hpp"
#include "hitd/time.hpp"
