#pragma once
// The server's config file: one `key = value` per line; blank lines and
// lines starting with '#' are ignored; spaces around key and value are
// trimmed; a value may be wrapped in double quotes. Keys are the long flag
// names of `hitd serve` without the dashes (listen, data-dir, ...); a key
// given twice keeps the last value. docs/operations.md lists the keys.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hitd/result.hpp"

namespace hitd::gateway {

using config_entries = std::vector<std::pair<std::string, std::string>>;

// The entries in file order, or errc::invalid_parameter_value naming the
// line that is not `key = value`.
result<config_entries> parse_config(std::string_view text);

} // namespace hitd::gateway
