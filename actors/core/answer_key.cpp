// Qualification test scoring (hitd/answer_key.hpp): a strict, bounded reader
// of MTurk's AnswerKey and QuestionFormAnswers documents, and the scoring.

#include "hitd/answer_key.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hitd/limits.hpp"
#include "hitd/xml.hpp"

namespace hitd {
namespace {

using xml_element = xml::element;
using xml_document = xml::document;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------
// The two schemas.

struct answer_option {
  std::vector<std::string> selections;   // sorted, unique
  int32_t score = 0;
};

struct key_question {
  std::string id;
  std::vector<answer_option> options;
  int32_t default_score = 0;
};

enum class mapping_kind { none, percentage, scale, range };

struct score_range {
  int32_t lower = 0;
  int32_t upper = 0;
  int32_t value = 0;
};

struct answer_key {
  std::vector<key_question> questions;
  mapping_kind mapping = mapping_kind::none;
  int32_t maximum_summed_score = 0;   // percentage
  int64_t multiplier_micros = 0;      // scale, in millionths
  std::vector<score_range> ranges;    // range
  int32_t out_of_range_value = 0;     // range
};

// A worker's answer to one question. Free text, an uploaded file or "other"
// text can never equal an option's selection set.
struct worker_answer {
  bool selectable = true;
  std::vector<std::string> selections;   // sorted, unique
};

using worker_answers = std::map<std::string, worker_answer, std::less<>>;

constexpr size_t unbounded = std::numeric_limits<size_t>::max();

struct child_rule {
  std::string_view name;
  size_t min;
  size_t max;
};

class schema_reader {
public:
  explicit schema_reader(const xml_document& doc) : doc_(doc) {}

  const xml_element& root() const { return doc_.elements.front(); }
  const xml_element& at(uint32_t index) const { return doc_.elements[index]; }
  const std::string& why() const { return why_; }

  bool fail(const std::string& where, std::string_view message) {
    why_ = where + ": ";
    why_.append(message);
    return false;
  }

  // `e` holds only elements named by `rules`, each as often as its rule
  // allows, and no text.
  bool check_children(const xml_element& e, const std::string& where,
                      std::span<const child_rule> rules) {
    if (!trim(e.text).empty()) return fail(where, "unexpected text");
    std::vector<size_t> counts(rules.size(), 0);
    for (uint32_t c : e.children) {
      auto it = std::find_if(rules.begin(), rules.end(),
                             [&](const child_rule& r) { return r.name == at(c).name; });
      if (it == rules.end()) return fail(where, "unexpected element <" + std::string(at(c).name) + ">");
      ++counts[static_cast<size_t>(it - rules.begin())];
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      const child_rule& r = rules[i];
      if (counts[i] < r.min) return fail(where, "missing <" + std::string(r.name) + ">");
      if (counts[i] > r.max) {
        return fail(where, r.max == 1 ? "more than one <" + std::string(r.name) + ">"
                                      : "more than " + std::to_string(r.max) + " <" +
                                            std::string(r.name) + "> elements");
      }
    }
    return true;
  }

  const xml_element* child(const xml_element& e, std::string_view name) const {
    for (uint32_t c : e.children) {
      if (at(c).name == name) return &at(c);
    }
    return nullptr;
  }

  // The trimmed text of an element that holds no elements.
  bool leaf(const xml_element& e, const std::string& where, std::string_view& out) {
    if (!e.children.empty()) return fail(where, "<" + std::string(e.name) + "> must hold text only");
    out = trim(e.text);
    return true;
  }

  bool identifier(const xml_element& e, const std::string& where, std::string& out) {
    std::string_view text;
    if (!leaf(e, where, text)) return false;
    if (text.empty()) return fail(where, "empty <" + std::string(e.name) + ">");
    out = std::string(text);
    return true;
  }

  // An xs:int: optional sign, decimal digits, within int32.
  bool integer(const xml_element& e, const std::string& where, int32_t& out) {
    std::string_view text;
    if (!leaf(e, where, text)) return false;
    auto bad = [&] { return fail(where, "<" + std::string(e.name) + "> is not a 32-bit integer"); };
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
      negative = text.front() == '-';
      text.remove_prefix(1);
    }
    if (text.empty()) return bad();
    int64_t v = 0;
    for (char c : text) {
      if (!is_digit(c)) return bad();
      v = v * 10 + (c - '0');
      if (v > int64_t{1} << 31) return bad();
    }
    if (negative) v = -v;
    if (v > std::numeric_limits<int32_t>::max()) return bad();
    out = static_cast<int32_t>(v);
    return true;
  }

  // A decimal (xs:double without exponent or specials) in millionths, exact:
  // further decimal places must be zeros.
  bool micros(const xml_element& e, const std::string& where, int64_t& out) {
    std::string_view text;
    if (!leaf(e, where, text)) return false;
    auto bad = [&] {
      return fail(where, "<" + std::string(e.name) + "> is not a decimal number with at most " +
                             std::to_string(answer_key_multiplier_decimals_max) +
                             " decimal places and 12 integer digits");
    };
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
      negative = text.front() == '-';
      text.remove_prefix(1);
    }
    size_t dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() && frac.empty()) return bad();
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    if (whole.size() > 12) return bad();
    int64_t v = 0;
    for (char c : whole) {
      if (!is_digit(c)) return bad();
      v = v * 10 + (c - '0');
    }
    for (size_t i = 0; i < frac.size(); ++i) {
      char c = frac[i];
      if (!is_digit(c)) return bad();
      if (i < static_cast<size_t>(answer_key_multiplier_decimals_max)) {
        v = v * 10 + (c - '0');
      } else if (c != '0') {
        return bad();
      }
    }
    for (size_t i = frac.size(); i < static_cast<size_t>(answer_key_multiplier_decimals_max); ++i) {
      v *= 10;
    }
    out = negative ? -v : v;
    return true;
  }

private:
  const xml_document& doc_;
  std::string why_;
};

std::string indexed(const std::string& where, std::string_view name, size_t i) {
  return where + "/" + std::string(name) + "[" + std::to_string(i + 1) + "]";
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool read_option(schema_reader& r, const xml_element& e, const std::string& where, answer_option& out) {
  static constexpr child_rule rules[] = {
      {"SelectionIdentifier", 1, unbounded},
      {"AnswerScore", 1, 1},
  };
  if (!r.check_children(e, where, rules)) return false;
  for (uint32_t c : e.children) {
    const xml_element& f = r.at(c);
    if (f.name == "SelectionIdentifier") {
      std::string id;
      if (!r.identifier(f, where, id)) return false;
      out.selections.push_back(std::move(id));
    } else if (!r.integer(f, where, out.score)) {
      return false;
    }
  }
  sort_unique(out.selections);
  return true;
}

bool read_question(schema_reader& r, const xml_element& e, const std::string& where, key_question& out) {
  static constexpr child_rule rules[] = {
      {"QuestionIdentifier", 1, 1},
      {"AnswerOption", 1, answer_key_options_per_question_max},
      {"DefaultScore", 0, 1},
  };
  if (!r.check_children(e, where, rules)) return false;
  for (uint32_t c : e.children) {
    const xml_element& f = r.at(c);
    if (f.name == "QuestionIdentifier") {
      if (!r.identifier(f, where, out.id)) return false;
    } else if (f.name == "DefaultScore") {
      if (!r.integer(f, where, out.default_score)) return false;
    } else {
      answer_option option;
      if (!read_option(r, f, indexed(where, f.name, out.options.size()), option)) return false;
      out.options.push_back(std::move(option));
    }
  }
  return true;
}

bool read_range(schema_reader& r, const xml_element& e, const std::string& where, score_range& out) {
  static constexpr child_rule rules[] = {
      {"InclusiveLowerBound", 1, 1},
      {"InclusiveUpperBound", 1, 1},
      {"QualificationValue", 1, 1},
  };
  if (!r.check_children(e, where, rules)) return false;
  if (!r.integer(*r.child(e, "InclusiveLowerBound"), where, out.lower) ||
      !r.integer(*r.child(e, "InclusiveUpperBound"), where, out.upper) ||
      !r.integer(*r.child(e, "QualificationValue"), where, out.value)) {
    return false;
  }
  if (out.lower > out.upper) return r.fail(where, "InclusiveLowerBound above InclusiveUpperBound");
  return true;
}

bool read_mapping(schema_reader& r, const xml_element& e, const std::string& where, answer_key& key) {
  static constexpr child_rule rules[] = {
      {"PercentageMapping", 0, 1},
      {"ScaleMapping", 0, 1},
      {"RangeMapping", 0, 1},
  };
  if (!r.check_children(e, where, rules)) return false;
  if (e.children.size() != 1) {
    return r.fail(where, "needs exactly one of PercentageMapping, ScaleMapping, RangeMapping");
  }
  const xml_element& m = r.at(e.children.front());
  std::string inner = where + "/" + std::string(m.name);
  if (m.name == "PercentageMapping") {
    static constexpr child_rule percentage[] = {{"MaximumSummedScore", 1, 1}};
    if (!r.check_children(m, inner, percentage)) return false;
    if (!r.integer(*r.child(m, "MaximumSummedScore"), inner, key.maximum_summed_score)) return false;
    if (key.maximum_summed_score <= 0) return r.fail(inner, "MaximumSummedScore must be positive");
    key.mapping = mapping_kind::percentage;
  } else if (m.name == "ScaleMapping") {
    static constexpr child_rule scale[] = {{"SummedScoreMultiplier", 1, 1}};
    if (!r.check_children(m, inner, scale)) return false;
    if (!r.micros(*r.child(m, "SummedScoreMultiplier"), inner, key.multiplier_micros)) return false;
    key.mapping = mapping_kind::scale;
  } else {
    static constexpr child_rule range[] = {
        {"SummedScoreRange", 1, unbounded},
        {"OutOfRangeQualificationValue", 1, 1},
    };
    if (!r.check_children(m, inner, range)) return false;
    for (uint32_t c : m.children) {
      const xml_element& f = r.at(c);
      if (f.name == "OutOfRangeQualificationValue") {
        if (!r.integer(f, inner, key.out_of_range_value)) return false;
      } else {
        score_range sr;
        if (!read_range(r, f, indexed(inner, f.name, key.ranges.size()), sr)) return false;
        key.ranges.push_back(sr);
      }
    }
    key.mapping = mapping_kind::range;
  }
  return true;
}

bool read_answer_key(schema_reader& r, answer_key& key) {
  const xml_element& root = r.root();
  const std::string where = "AnswerKey";
  if (root.name != "AnswerKey") return r.fail(where, "the root element is not <AnswerKey>");
  static constexpr child_rule rules[] = {
      {"Question", 1, answer_key_questions_max},
      {"QualificationValueMapping", 0, 1},
  };
  if (!r.check_children(root, where, rules)) return false;
  for (uint32_t c : root.children) {
    const xml_element& e = r.at(c);
    if (e.name == "Question") {
      key_question q;
      if (!read_question(r, e, indexed(where, e.name, key.questions.size()), q)) return false;
      key.questions.push_back(std::move(q));
    } else if (!read_mapping(r, e, where + "/QualificationValueMapping", key)) {
      return false;
    }
  }
  std::vector<std::string_view> ids;
  ids.reserve(key.questions.size());
  for (const key_question& q : key.questions) ids.push_back(q.id);
  std::sort(ids.begin(), ids.end());
  auto dup = std::adjacent_find(ids.begin(), ids.end());
  if (dup != ids.end()) return r.fail(where, "duplicate QuestionIdentifier '" + std::string(*dup) + "'");
  return true;
}

bool read_answer(schema_reader& r, const xml_element& e, const std::string& where, worker_answers& out) {
  static constexpr child_rule rules[] = {
      {"QuestionIdentifier", 1, 1},
      {"FreeText", 0, 1},
      {"SelectionIdentifier", 0, unbounded},
      {"OtherSelectionText", 0, 1},
      {"UploadedFileSizeInBytes", 0, 1},
      {"UploadedFileKey", 0, 1},
  };
  if (!r.check_children(e, where, rules)) return false;
  std::string id;
  worker_answer answer;
  bool free_text = false;
  bool selection = false;
  bool upload_size = false;
  bool upload_key = false;
  for (uint32_t c : e.children) {
    const xml_element& f = r.at(c);
    std::string_view text;
    if (!r.leaf(f, where, text)) return false;
    if (f.name == "QuestionIdentifier") {
      if (!r.identifier(f, where, id)) return false;
    } else if (f.name == "SelectionIdentifier") {
      selection = true;
      answer.selections.emplace_back(text);
    } else if (f.name == "OtherSelectionText") {
      selection = true;
      answer.selectable = false;
    } else if (f.name == "FreeText") {
      free_text = true;
      answer.selectable = false;
    } else if (f.name == "UploadedFileSizeInBytes") {
      upload_size = true;
      answer.selectable = false;
    } else {
      upload_key = true;
      answer.selectable = false;
    }
  }
  if (upload_size != upload_key) {
    return r.fail(where, "UploadedFileSizeInBytes and UploadedFileKey go together");
  }
  if (int{free_text} + int{selection} + int{upload_size} > 1) {
    return r.fail(where, "mixes free text, selections and an uploaded file");
  }
  sort_unique(answer.selections);
  if (!out.emplace(id, std::move(answer)).second) {
    return r.fail(where, "a second Answer to question '" + id + "'");
  }
  return true;
}

bool read_answers(schema_reader& r, worker_answers& out) {
  const xml_element& root = r.root();
  const std::string where = "QuestionFormAnswers";
  if (root.name != "QuestionFormAnswers") {
    return r.fail(where, "the root element is not <QuestionFormAnswers>");
  }
  static constexpr child_rule rules[] = {{"Answer", 0, unbounded}};
  if (!r.check_children(root, where, rules)) return false;
  for (size_t i = 0; i < root.children.size(); ++i) {
    if (!read_answer(r, r.at(root.children[i]), indexed(where, "Answer", i), out)) return false;
  }
  return true;
}

// Parses a document of `what` into `doc`, within the size bound.
status parse_document(std::string_view what, std::string_view xml, xml_document& doc) {
  if (xml.size() > limits::qualification_test_bytes_max) {
    return error{errc::invalid_parameter_value,
                 std::string(what) + ": the document is " + std::to_string(xml.size()) +
                     " bytes, more than " + std::to_string(limits::qualification_test_bytes_max)};
  }
  if (auto why = xml::parse(xml, doc, answer_key_depth_max); !why.empty()) return error{errc::invalid_parameter_value, std::string(what) + ": " + why};
  return done{};
}

result<answer_key> parse_answer_key(std::string_view xml) {
  xml_document doc;
  if (status s = parse_document("AnswerKey", xml, doc); !s) return s.err();
  schema_reader r(doc);
  answer_key key;
  if (!read_answer_key(r, key)) return error{errc::invalid_parameter_value, r.why()};
  return key;
}

// floor(n / d) for d > 0.
int64_t floor_div(int64_t n, int64_t d) {
  int64_t q = n / d;
  return (n % d != 0 && n < 0) ? q - 1 : q;
}

int32_t clamp_int32(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                 std::numeric_limits<int32_t>::max()));
}

int64_t summed_score(const answer_key& key, const worker_answers& answers) {
  int64_t sum = 0;   // at most 1,000 int32 scores: far inside int64
  for (const key_question& q : key.questions) {
    int64_t score = q.default_score;
    auto it = answers.find(q.id);
    if (it != answers.end() && it->second.selectable) {
      for (const answer_option& option : q.options) {
        if (option.selections == it->second.selections) {
          score = option.score;
          break;
        }
      }
    }
    sum += score;
  }
  return sum;
}

int32_t qualification_value(const answer_key& key, int64_t sum) {
  constexpr int64_t micro = 1'000'000;
  switch (key.mapping) {
    case mapping_kind::none:
      return clamp_int32(sum);
    case mapping_kind::percentage: {
      // round(sum * 100 / max) half up = floor((200 * sum + max) / (2 * max)).
      int64_t max = key.maximum_summed_score;
      return clamp_int32(floor_div(200 * sum + max, 2 * max));
    }
    case mapping_kind::scale: {
      int64_t m = key.multiplier_micros;
      if (m == 0 || sum == 0) return 0;
      // Past this the product is far outside int32 anyway: saturate.
      int64_t limit = std::numeric_limits<int64_t>::max() / 2 / (m < 0 ? -m : m);
      if ((sum < 0 ? -sum : sum) > limit) {
        return (sum < 0) == (m < 0) ? std::numeric_limits<int32_t>::max()
                                    : std::numeric_limits<int32_t>::min();
      }
      return clamp_int32(floor_div(sum * m + micro / 2, micro));
    }
    case mapping_kind::range:
      for (const score_range& r : key.ranges) {
        if (r.lower <= sum && sum <= r.upper) return r.value;
      }
      return key.out_of_range_value;
  }
  return clamp_int32(sum);
}

} // namespace

result<int32_t> score_answers(std::string_view answer_key_xml, std::string_view answers_xml) {
  result<answer_key> key = parse_answer_key(answer_key_xml);
  if (!key) return key.err();
  xml_document doc;
  if (status s = parse_document("QuestionFormAnswers", answers_xml, doc); !s) return s.err();
  schema_reader r(doc);
  worker_answers answers;
  if (!read_answers(r, answers)) return error{errc::invalid_parameter_value, r.why()};
  return qualification_value(*key, summed_score(*key, answers));
}

status validate_answer_key(std::string_view answer_key_xml) {
  result<answer_key> key = parse_answer_key(answer_key_xml);
  if (!key) return key.err();
  return done{};
}

} // namespace hitd
