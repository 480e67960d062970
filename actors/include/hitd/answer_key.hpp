#pragma once
// Qualification test scoring: a worker's QuestionFormAnswers against a
// qualification type's AnswerKey (MTurk's 2005-10-01 AnswerKey and
// QuestionFormAnswers schemas). Plain functions, no I/O; the XML is read by a
// small, strict, bounded parser of exactly these two formats (elements,
// attributes that are ignored - xmlns included -, namespace prefixes that are
// ignored, an <?xml ...?> declaration, comments, processing instructions,
// CDATA, the five predefined entities and character references). DOCTYPE is
// rejected.
//
// Scoring: each question of the key scores the AnswerScore of its first
// AnswerOption whose set of SelectionIdentifier values equals the set the
// worker selected, else its DefaultScore (0 when absent). Free text, uploaded
// files and "other" text never match an option. The summed score is mapped
// through the optional QualificationValueMapping (PercentageMapping,
// ScaleMapping, RangeMapping), rounded half up (toward +infinity) and clamped
// to int32.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hitd/error.hpp"
#include "hitd/result.hpp"

namespace hitd {

// hitd's bounds on one AnswerKey (each document is also bounded by
// limits::qualification_test_bytes_max).
inline constexpr size_t answer_key_questions_max = 1'000;
inline constexpr size_t answer_key_options_per_question_max = 1'000;
inline constexpr size_t answer_key_depth_max = 16;   // element nesting, root = 1
// ScaleMapping's SummedScoreMultiplier is exact to this many decimal places.
inline constexpr int answer_key_multiplier_decimals_max = 6;

// Scores a worker's QuestionFormAnswers against a qualification type's
// AnswerKey. Returns the qualification value to grant, or an error:
// errc::invalid_parameter_value (with a message) for a malformed or
// oversized document. Answers to questions the key does not name are ignored.
result<int32_t> score_answers(std::string_view answer_key_xml, std::string_view answers_xml);

// Checks that an AnswerKey document is well-formed for score_answers
// (used when a qualification type is created or updated).
status validate_answer_key(std::string_view answer_key_xml);

} // namespace hitd
