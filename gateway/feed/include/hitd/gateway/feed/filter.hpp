#pragma once
// A subscription's filter: minimum reward, keywords, and "only HITs this
// worker may discover". Plain functions over plain data; the hub holds one
// filter per subscribed session and calls matches() per event.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hitd/events.hpp"
#include "hitd/money.hpp"
#include "hitd/qualification.hpp"

namespace hitd::gateway {

struct feed_filter {
  money min_reward;                    // reward >= this
  std::vector<std::string> keywords;   // lower case; empty: no keyword filter
  bool all_keywords = false;           // every word (true) or any word (false)
  bool qualified_only = false;         // requirements (Discover) and blocks
};

// The text keywords are looked for in: title, keywords and description, in
// lower case (computed once per HIT definition).
std::string folded_text(const hit_definition& def);
std::string fold(std::string_view s);

// Reward and keywords (the parts that do not depend on the worker).
bool matches_text(const feed_filter& f, const hit_definition& def, std::string_view folded);

// May this worker discover the HIT: not blocked by its requester, and every
// requirement guarding Discover met (hit_rules' actions_for).
bool may_discover(const hit_definition& def, const worker_credentials& creds);

// The whole filter; `creds` is needed when qualified_only (null: nothing
// matches, the credentials are not known yet).
bool matches(const feed_filter& f, const hit_definition& def, std::string_view folded,
             const worker_credentials* creds);

} // namespace hitd::gateway
