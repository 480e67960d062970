#pragma once
// Question XML (QuestionForm, HTMLQuestion, ExternalQuestion) is kept as
// given, after two checks: its size (65,535 bytes, MTurk's limit) and that it
// is well-formed XML whose root element is one of the three. No DTDs (a
// DOCTYPE is refused: nothing to expand, nothing to fetch).

#include <string>
#include <string_view>

namespace hitd::gateway_mturk {

// Why the document is not acceptable, or empty when it is.
std::string check_question(std::string_view xml);

// Well-formedness only: why not, or empty. The root element's local name
// (without a prefix) goes to root_name.
std::string check_well_formed(std::string_view xml, std::string* root_name = nullptr);

} // namespace hitd::gateway_mturk
