#include "hitd/gateway/feed/filter.hpp"

#include <cctype>

#include "hitd/hit_rules.hpp"

namespace hitd::gateway {

std::string fold(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string folded_text(const hit_definition& def) {
  const auto& p = *def.properties;
  std::string t;
  t.reserve(p.title.size() + p.keywords.size() + p.description.size() + 2);
  t += p.title;
  t += '\n';
  t += p.keywords;
  t += '\n';
  t += p.description;
  return fold(t);
}

bool matches_text(const feed_filter& f, const hit_definition& def, std::string_view folded) {
  if (def.properties->reward < f.min_reward)
    return false;
  if (f.keywords.empty())
    return true;
  for (const auto& k : f.keywords) {
    bool found = folded.find(k) != std::string_view::npos;
    if (found && !f.all_keywords)
      return true;
    if (!found && f.all_keywords)
      return false;
  }
  return f.all_keywords;
}

bool may_discover(const hit_definition& def, const worker_credentials& creds) {
  // actions_for reads only the definition of a HIT; a HIT state that holds
  // the definition alone allocates nothing more.
  hit_state h;
  h.def = std::shared_ptr<const hit_definition>(std::shared_ptr<const hit_definition>{}, &def);
  return actions_for(h, creds).discover;
}

bool matches(const feed_filter& f, const hit_definition& def, std::string_view folded,
             const worker_credentials* creds) {
  if (!matches_text(f, def, folded))
    return false;
  if (!f.qualified_only)
    return true;
  return creds && may_discover(def, *creds);
}

} // namespace hitd::gateway
