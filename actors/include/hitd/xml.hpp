#pragma once
// A strict, bounded reader of small XML documents (MTurk's QuestionForm,
// HTMLQuestion, QuestionFormAnswers and AnswerKey): elements, attributes
// (read past, not kept), comments, processing instructions, CDATA, the
// predefined entities and character references. No DOCTYPE, so nothing to
// expand or fetch; one pass over the input. Plain C++.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hitd::xml {

struct element {
  std::string_view name;           // the local name (any prefix stripped), in the input
  std::string text;                // decoded character data (CDATA as is), untrimmed
  std::vector<uint32_t> children;  // indices into document::elements
};

struct document {
  std::vector<element> elements;   // elements[0] is the root
};

// Reads `in` into `doc` (whose names point into `in`): empty when the
// document is well-formed and its elements nest at most `depth_max` deep
// (the root is 1), otherwise why not ("malformed XML at byte N: ...").
std::string parse(std::string_view in, document& doc, size_t depth_max = 16);

} // namespace hitd::xml
