// Qualification test scoring (hitd/answer_key.hpp).

#include "hitd/answer_key.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "hitd/limits.hpp"

namespace hitd {
namespace {

constexpr std::string_view key_ns =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd";
constexpr std::string_view answers_ns =
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd";
constexpr int32_t i32_max = std::numeric_limits<int32_t>::max();
constexpr int32_t i32_min = std::numeric_limits<int32_t>::min();

std::string option(std::initializer_list<std::string_view> selections, std::string_view score) {
  std::string s = "<AnswerOption>";
  for (std::string_view sel : selections) {
    s += "<SelectionIdentifier>" + std::string(sel) + "</SelectionIdentifier>";
  }
  return s + "<AnswerScore>" + std::string(score) + "</AnswerScore></AnswerOption>";
}

std::string option(std::initializer_list<std::string_view> selections, int score) {
  return option(selections, std::to_string(score));
}

std::string question(std::string_view id, std::string_view options, std::string_view extra = "") {
  return "<Question><QuestionIdentifier>" + std::string(id) + "</QuestionIdentifier>" +
         std::string(options) + std::string(extra) + "</Question>";
}

std::string default_score(int score) {
  return "<DefaultScore>" + std::to_string(score) + "</DefaultScore>";
}

std::string key(std::string_view body) {
  return "<AnswerKey xmlns=\"" + std::string(key_ns) + "\">" + std::string(body) + "</AnswerKey>";
}

std::string answers(std::string_view body) {
  return "<QuestionFormAnswers xmlns=\"" + std::string(answers_ns) + "\">" + std::string(body) +
         "</QuestionFormAnswers>";
}

std::string selected(std::string_view id, std::initializer_list<std::string_view> selections) {
  std::string s = "<Answer><QuestionIdentifier>" + std::string(id) + "</QuestionIdentifier>";
  for (std::string_view sel : selections) {
    s += "<SelectionIdentifier>" + std::string(sel) + "</SelectionIdentifier>";
  }
  return s + "</Answer>";
}

std::string free_text(std::string_view id, std::string_view text) {
  return "<Answer><QuestionIdentifier>" + std::string(id) + "</QuestionIdentifier><FreeText>" +
         std::string(text) + "</FreeText></Answer>";
}

// A key whose summed score is exactly `sum` (one question, option "x").
std::string summing_key(int64_t sum, std::string_view mapping) {
  std::string body = question("q", option({"x"}, std::to_string(sum)));
  if (!mapping.empty()) {
    body += "<QualificationValueMapping>" + std::string(mapping) + "</QualificationValueMapping>";
  }
  return key(body);
}

const std::string pick_x = answers(selected("q", {"x"}));

template <class T>
::testing::AssertionResult invalid(const result<T>& r, std::string_view needle) {
  if (r.ok()) return ::testing::AssertionFailure() << "accepted";
  if (r.code() != errc::invalid_parameter_value) {
    return ::testing::AssertionFailure() << "wrong code " << errc_name(r.code());
  }
  if (r.err().message.find(needle) == std::string::npos) {
    return ::testing::AssertionFailure() << "message '" << r.err().message << "' lacks '" << needle << "'";
  }
  return ::testing::AssertionSuccess();
}

int32_t score(std::string_view k, std::string_view a) {
  result<int32_t> r = score_answers(k, a);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
  return r.ok() ? *r : -999'999;
}

// --- Scoring ---

TEST(AnswerKey, SumsMatchingOptionsWithoutMapping) {
  const std::string k = key(question("q1", option({"a"}, 10) + option({"b"}, 0)) +
                            question("q2", option({"c"}, 5) + option({"d"}, -3)));
  EXPECT_TRUE(validate_answer_key(k).ok());
  EXPECT_EQ(score(k, answers(selected("q1", {"a"}) + selected("q2", {"c"}))), 15);
  EXPECT_EQ(score(k, answers(selected("q1", {"b"}) + selected("q2", {"c"}))), 5);
  EXPECT_EQ(score(k, answers(selected("q1", {"a"}) + selected("q2", {"d"}))), 7);
  // Answer order does not matter.
  EXPECT_EQ(score(k, answers(selected("q2", {"d"}) + selected("q1", {"a"}))), 7);
}

TEST(AnswerKey, FirstMatchingOptionWins) {
  const std::string k = key(question("q", option({"a"}, 3) + option({"a"}, 7)));
  EXPECT_EQ(score(k, answers(selected("q", {"a"}))), 3);
}

TEST(AnswerKey, MultiSelectionOptionMatchesExactlyThatSet) {
  const std::string k = key(question("q", option({"b", "c"}, 10) + option({"b"}, 2), default_score(-1)));
  EXPECT_EQ(score(k, answers(selected("q", {"c", "b"}))), 10);   // order-free
  EXPECT_EQ(score(k, answers(selected("q", {"b", "c", "b"}))), 10);   // a set
  EXPECT_EQ(score(k, answers(selected("q", {"b"}))), 2);
  EXPECT_EQ(score(k, answers(selected("q", {"c"}))), -1);   // a subset
  EXPECT_EQ(score(k, answers(selected("q", {"b", "c", "d"}))), -1);   // a superset
  EXPECT_EQ(score(k, answers(selected("q", {}))), -1);   // no selection
}

TEST(AnswerKey, DefaultScoreWhenNoOptionMatches) {
  const std::string with_default = key(question("q", option({"a"}, 5), default_score(4)));
  EXPECT_EQ(score(with_default, answers(selected("q", {"z"}))), 4);
  EXPECT_EQ(score(with_default, answers(selected("q", {"a"}))), 5);
  const std::string without = key(question("q", option({"a"}, 5)));
  EXPECT_EQ(score(without, answers(selected("q", {"z"}))), 0);
}

TEST(AnswerKey, UnansweredQuestionsScoreTheirDefault) {
  const std::string k = key(question("q1", option({"a"}, 10), default_score(3)) +
                            question("q2", option({"a"}, 10)) +
                            question("q3", option({"a"}, 10), default_score(-2)));
  EXPECT_EQ(score(k, "<QuestionFormAnswers/>"), 1);
  EXPECT_EQ(score(k, answers("")), 1);
  EXPECT_EQ(score(k, answers(selected("q2", {"a"}))), 11);
}

TEST(AnswerKey, FreeTextNeverMatchesASelection) {
  const std::string k = key(question("q", option({"hello"}, 10), default_score(1)));
  EXPECT_EQ(score(k, answers(selected("q", {"hello"}))), 10);
  EXPECT_EQ(score(k, answers(free_text("q", "hello"))), 1);
}

TEST(AnswerKey, OtherTextAndUploadsNeverMatch) {
  const std::string k = key(question("q", option({"a"}, 10), default_score(1)));
  EXPECT_EQ(score(k, answers("<Answer><QuestionIdentifier>q</QuestionIdentifier>"
                             "<SelectionIdentifier>a</SelectionIdentifier>"
                             "<OtherSelectionText>mine</OtherSelectionText></Answer>")),
            1);
  EXPECT_EQ(score(k, answers("<Answer><QuestionIdentifier>q</QuestionIdentifier>"
                             "<UploadedFileSizeInBytes>12</UploadedFileSizeInBytes>"
                             "<UploadedFileKey>a</UploadedFileKey></Answer>")),
            1);
}

TEST(AnswerKey, AnswersToUnknownQuestionsAreIgnored) {
  const std::string k = key(question("q", option({"a"}, 10)));
  EXPECT_EQ(score(k, answers(selected("other", {"a"}) + selected("q", {"a"}) + free_text("x", "hi"))), 10);
}

TEST(AnswerKey, SummedScoreClampsToInt32) {
  const std::string high = key(question("q1", option({"a"}, i32_max)) + question("q2", option({"a"}, i32_max)));
  EXPECT_EQ(score(high, answers(selected("q1", {"a"}) + selected("q2", {"a"}))), i32_max);
  const std::string low = key(question("q1", option({"a"}, i32_min)) + question("q2", option({"a"}, -1)));
  EXPECT_EQ(score(low, answers(selected("q1", {"a"}) + selected("q2", {"a"}))), i32_min);
}

// --- Mappings ---

TEST(AnswerKey, PercentageMappingRoundsHalfUp) {
  auto pct = [](int64_t sum, int max) {
    return score(summing_key(sum, "<PercentageMapping><MaximumSummedScore>" + std::to_string(max) +
                                      "</MaximumSummedScore></PercentageMapping>"),
                 pick_x);
  };
  EXPECT_EQ(pct(15, 20), 75);
  EXPECT_EQ(pct(20, 20), 100);
  EXPECT_EQ(pct(1, 3), 33);    // 33.33
  EXPECT_EQ(pct(2, 3), 67);    // 66.67
  EXPECT_EQ(pct(1, 8), 13);    // 12.5 rounds up
  EXPECT_EQ(pct(-1, 8), -12);  // -12.5 rounds up (toward +infinity)
  EXPECT_EQ(pct(30, 20), 150);
  EXPECT_EQ(pct(0, 20), 0);
  EXPECT_EQ(pct(i32_max, 1), i32_max);   // clamped
}

TEST(AnswerKey, PercentageMappingNeedsPositiveMaximum) {
  for (std::string_view max : {"0", "-5"}) {
    const std::string k = summing_key(1, "<PercentageMapping><MaximumSummedScore>" + std::string(max) +
                                             "</MaximumSummedScore></PercentageMapping>");
    EXPECT_TRUE(invalid(validate_answer_key(k), "MaximumSummedScore")) << max;
    EXPECT_TRUE(invalid(score_answers(k, pick_x), "MaximumSummedScore")) << max;
  }
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<PercentageMapping/>")), "missing <MaximumSummedScore>"));
}

TEST(AnswerKey, ScaleMappingIsExactAndRoundsHalfUp) {
  auto scale = [](int64_t sum, std::string_view multiplier) {
    return score(summing_key(sum, "<ScaleMapping><SummedScoreMultiplier>" + std::string(multiplier) +
                                      "</SummedScoreMultiplier></ScaleMapping>"),
                 pick_x);
  };
  EXPECT_EQ(scale(3, "2.5"), 8);        // 7.5
  EXPECT_EQ(scale(4, "2.5"), 10);
  EXPECT_EQ(scale(10, "0.333"), 3);     // 3.33
  EXPECT_EQ(scale(3, "0.1"), 0);        // 0.3 (0.1 is exact here, unlike a double)
  EXPECT_EQ(scale(5, "0.1"), 1);        // 0.5 exactly: rounds up
  EXPECT_EQ(scale(-3, "1.5"), -4);      // -4.5 rounds up
  EXPECT_EQ(scale(7, "2"), 14);
  EXPECT_EQ(scale(7, " +2. "), 14);
  EXPECT_EQ(scale(8, ".25"), 2);
  EXPECT_EQ(scale(7, "-1"), -7);
  EXPECT_EQ(scale(1'000'000, "0.000001"), 1);
  EXPECT_EQ(scale(3, "2.5000000000"), 8);   // zeros past 6 places are fine
  EXPECT_EQ(scale(i32_max, "999999999999.999999"), i32_max);   // saturates
  EXPECT_EQ(scale(i32_max, "-999999999999"), i32_min);
  EXPECT_EQ(scale(100'000, "100000"), i32_max);
}

TEST(AnswerKey, ScaleMappingRejectsNonDecimals) {
  for (std::string_view m : {"", "abc", "1e3", "INF", "NaN", "1.2.3", "-", ".", "1,5", "0.0000005",
                             "1000000000000", "2.5x"}) {
    const std::string k = summing_key(1, "<ScaleMapping><SummedScoreMultiplier>" + std::string(m) +
                                             "</SummedScoreMultiplier></ScaleMapping>");
    EXPECT_TRUE(invalid(validate_answer_key(k), "SummedScoreMultiplier")) << m;
  }
  // Leading zeros do not count toward the 12 integer digits.
  EXPECT_TRUE(validate_answer_key(summing_key(1, "<ScaleMapping><SummedScoreMultiplier>"
                                                 "0000000000000001.5</SummedScoreMultiplier></ScaleMapping>"))
                  .ok());
}

TEST(AnswerKey, RangeMappingPicksFirstContainingRange) {
  const std::string ranges =
      "<RangeMapping>"
      "<SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound>"
      "<InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>"
      "<SummedScoreRange><InclusiveLowerBound>3</InclusiveLowerBound>"
      "<InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>2</QualificationValue></SummedScoreRange>"
      "<OutOfRangeQualificationValue>-7</OutOfRangeQualificationValue>"
      "</RangeMapping>";
  auto range = [&](int64_t sum) { return score(summing_key(sum, ranges), pick_x); };
  EXPECT_EQ(range(0), 1);
  EXPECT_EQ(range(4), 1);    // in both: the first wins
  EXPECT_EQ(range(5), 1);
  EXPECT_EQ(range(6), 2);
  EXPECT_EQ(range(10), 2);
  EXPECT_EQ(range(11), -7);
  EXPECT_EQ(range(-1), -7);
}

TEST(AnswerKey, RangeMappingRejections) {
  const std::string one_range =
      "<SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound>"
      "<InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>";
  const std::string out = "<OutOfRangeQualificationValue>0</OutOfRangeQualificationValue>";
  EXPECT_TRUE(validate_answer_key(summing_key(1, "<RangeMapping>" + one_range + out + "</RangeMapping>")).ok());
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<RangeMapping>" + one_range + "</RangeMapping>")),
                      "missing <OutOfRangeQualificationValue>"));
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<RangeMapping>" + out + "</RangeMapping>")),
                      "missing <SummedScoreRange>"));
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<RangeMapping>" + one_range + out + out + "</RangeMapping>")),
                      "more than one <OutOfRangeQualificationValue>"));
  const std::string inverted =
      "<SummedScoreRange><InclusiveLowerBound>6</InclusiveLowerBound>"
      "<InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>";
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<RangeMapping>" + inverted + out + "</RangeMapping>")),
                      "InclusiveLowerBound above"));
  const std::string no_value =
      "<SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound>"
      "<InclusiveUpperBound>5</InclusiveUpperBound></SummedScoreRange>";
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<RangeMapping>" + no_value + out + "</RangeMapping>")),
                      "missing <QualificationValue>"));
  const std::string bad_bound =
      "<SummedScoreRange><InclusiveLowerBound>0.5</InclusiveLowerBound>"
      "<InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>";
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<RangeMapping>" + bad_bound + out + "</RangeMapping>")),
                      "not a 32-bit integer"));
}

TEST(AnswerKey, MappingNeedsExactlyOneKind) {
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, " ")), "exactly one"));
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(
                          1, "<PercentageMapping><MaximumSummedScore>5</MaximumSummedScore></PercentageMapping>"
                             "<ScaleMapping><SummedScoreMultiplier>2</SummedScoreMultiplier></ScaleMapping>")),
                      "exactly one"));
  EXPECT_TRUE(invalid(validate_answer_key(summing_key(1, "<LinearMapping/>")), "unexpected element <LinearMapping>"));
  const std::string two_mappings =
      key(question("q", option({"a"}, 1)) +
          "<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>2</SummedScoreMultiplier>"
          "</ScaleMapping></QualificationValueMapping>"
          "<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>2</SummedScoreMultiplier>"
          "</ScaleMapping></QualificationValueMapping>");
  EXPECT_TRUE(invalid(validate_answer_key(two_mappings), "more than one <QualificationValueMapping>"));
}

// --- XML syntax accepted ---

TEST(AnswerKey, NamespacesPrologCommentsAndWhitespace) {
  const std::string k =
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- an answer key -->\n"
      "<?some-pi data?>\n"
      "<ak:AnswerKey xmlns:ak='" + std::string(key_ns) + "' xmlns:x=\"urn:x\" >\n"
      "  <ak:Question x:extra=\"ignored\">\n"
      "    <ak:QuestionIdentifier>  q1\n </ak:QuestionIdentifier>\n"
      "    <!-- the right one -->\n"
      "    <ak:AnswerOption>\n"
      "      <ak:SelectionIdentifier> a </ak:SelectionIdentifier >\n"
      "      <ak:AnswerScore>\t10\t</ak:AnswerScore>\n"
      "    </ak:AnswerOption>\n"
      "    <ak:DefaultScore> 1 </ak:DefaultScore>\n"
      "  </ak:Question>\n"
      "</ak:AnswerKey>\n"
      "<!-- trailing comment -->\n";
  EXPECT_TRUE(validate_answer_key(k).ok());
  const std::string a =
      "<?xml version=\"1.0\"?><QuestionFormAnswers xmlns=\"" + std::string(answers_ns) +
      "\"><Answer><!-- c --><QuestionIdentifier>q1</QuestionIdentifier>"
      "<SelectionIdentifier>a<!-- split -->\n</SelectionIdentifier></Answer></QuestionFormAnswers>";
  EXPECT_EQ(score(k, a), 10);
  EXPECT_EQ(score(k, answers(selected("q1", {"b"}))), 1);
}

TEST(AnswerKey, EntitiesAndCdataAreDecoded) {
  const std::string k = key(question("q&amp;1", option({"a&lt;b&gt;c&quot;d&apos;e"}, 10) +
                                                    option({"&#x41;&#66;&#xe9;"}, 20)));
  EXPECT_EQ(score(k, answers(selected("q&#38;1", {"<![CDATA[a<b>c\"d'e]]>"}))), 10);
  EXPECT_EQ(score(k, answers(selected("q&amp;1", {"a&#60;b>c&quot;d'e"}))), 10);
  EXPECT_EQ(score(k, answers(selected("q&amp;1", {"AB\xC3\xA9"}))), 20);
  EXPECT_TRUE(invalid(score_answers(k, answers(selected("q&amp;1", {"a<b>c"}))), "malformed"));
  EXPECT_EQ(score(k, answers(selected("q&amp;1", {"a&amp;lt;b&gt;c&quot;d&apos;e"}))), 0)
      << "entities decode once";
}

// --- Rejections ---

TEST(AnswerKey, RejectsUnbalancedAndMismatchedTags) {
  const std::string ok = key(question("q", option({"a"}, 1)));
  ASSERT_TRUE(validate_answer_key(ok).ok());
  EXPECT_TRUE(invalid(validate_answer_key(ok.substr(0, ok.size() - 1)), "malformed end tag"));
  EXPECT_TRUE(invalid(validate_answer_key(ok.substr(0, ok.size() - std::string("</AnswerKey>").size())),
                      "unclosed element <AnswerKey>"));
  EXPECT_TRUE(invalid(validate_answer_key("<AnswerKey><Question></AnswerKey>"), "mismatched end tag"));
  EXPECT_TRUE(invalid(validate_answer_key("<AnswerKey></Question></AnswerKey>"), "mismatched end tag"));
  EXPECT_TRUE(invalid(validate_answer_key("<a:AnswerKey xmlns:a='x' xmlns:b='x'><a:Question></b:Question></a:AnswerKey>"),
                      "mismatched end tag"));
  EXPECT_TRUE(invalid(validate_answer_key(ok + "<AnswerKey/>"), "content after the root element"));
  EXPECT_TRUE(invalid(validate_answer_key(ok + "text"), "content after the root element"));
  EXPECT_TRUE(invalid(validate_answer_key("text" + ok), "text outside the root element"));
  EXPECT_TRUE(invalid(validate_answer_key(""), "no root element"));
  EXPECT_TRUE(invalid(validate_answer_key("  <!-- only a comment -->  "), "no root element"));
  EXPECT_TRUE(invalid(score_answers(ok, answers(selected("q", {"a"})) + "</Answer>"), "QuestionFormAnswers"));
  EXPECT_TRUE(invalid(score_answers(ok, "<QuestionFormAnswers><Answer></QuestionFormAnswers>"), "mismatched"));
}

TEST(AnswerKey, RejectsMalformedMarkup) {
  const std::string q = question("q", option({"a"}, 1));
  struct bad_case {
    std::string doc;
    std::string_view why;
  };
  const bad_case cases[] = {
      {"<!DOCTYPE AnswerKey [<!ENTITY e 'x'>]>" + key(q), "DOCTYPE"},
      {key(question("q&e;", option({"a"}, 1))), "unknown entity &e;"},
      {key(question("q&nbsp;", option({"a"}, 1))), "unknown entity"},
      {key(question("q & r", option({"a"}, 1))), "malformed entity reference"},
      {key(question("q&#0;", option({"a"}, 1))), "character reference"},
      {key(question("q&#xD800;", option({"a"}, 1))), "character reference"},
      {key(question("q&#x110000;", option({"a"}, 1))), "character reference"},
      {key(question("q&#x;", option({"a"}, 1))), "malformed character reference"},
      {key(question("q&#12a;", option({"a"}, 1))), "malformed character reference"},
      {"<AnswerKey a=b>" + q + "</AnswerKey>", "unquoted attribute value"},
      {"<AnswerKey a='<'>" + q + "</AnswerKey>", "'<' in an attribute value"},
      {"<AnswerKey a='x'b='y'>" + q + "</AnswerKey>", "malformed attribute"},
      {"<AnswerKey a>" + q + "</AnswerKey>", "attribute without '='"},
      {"<AnswerKey a='x" + q + "</AnswerKey>", "'<' in an attribute value"},
      {"<AnswerKey>" + q + "<!-- a -- b --></AnswerKey>", "'--' inside a comment"},
      {"<AnswerKey>" + q + "<!-- open</AnswerKey>", "unterminated comment"},
      {"<AnswerKey>" + q + "<![CDATA[x</AnswerKey>", "unterminated CDATA"},
      {"<AnswerKey>" + q + "<!ELEMENT x></AnswerKey>", "unsupported markup"},
      {" <?xml version='1.0'?>" + key(q), "XML declaration not at the start"},
      {key(q) + "<?xml version='1.0'?>", "XML declaration not at the start"},
      {"<?pi unterminated " + key(q), "unterminated processing instruction"},
      {"<AnswerKey>" + q + "\x01</AnswerKey>", "control character"},
      {"<1AnswerKey>" + q + "</1AnswerKey>", "malformed element name"},
      {"<a:b:AnswerKey>" + q + "</a:b:AnswerKey>", "malformed element name"},
      {"<a:>" + q + "</a:>", "malformed element name"},
      {"<AnswerKey>" + q + "</ AnswerKey>", "malformed end tag"},
      {"<AnswerKey>" + q + "</AnswerKey x='1'>", "malformed end tag"},
  };
  for (const bad_case& c : cases) {
    EXPECT_TRUE(invalid(validate_answer_key(c.doc), c.why)) << c.doc;
    EXPECT_TRUE(invalid(validate_answer_key(c.doc), "AnswerKey: malformed XML at byte")) << c.doc;
  }
}

TEST(AnswerKey, RejectsOversizedDocuments) {
  const std::string k = key(question("q", option({"a"}, 4)));
  const std::string a = answers(selected("q", {"a"}));
  const size_t max = limits::qualification_test_bytes_max;
  auto padded = [](const std::string& doc, size_t size) {
    // A comment after the root brings the document to exactly `size` bytes.
    return doc + "<!--" + std::string(size - doc.size() - 7, ' ') + "-->";
  };
  ASSERT_EQ(padded(k, max).size(), max);
  EXPECT_TRUE(validate_answer_key(padded(k, max)).ok());
  EXPECT_EQ(score(padded(k, max), padded(a, max)), 4);
  EXPECT_TRUE(invalid(validate_answer_key(padded(k, max + 1)), "more than 65535"));
  EXPECT_TRUE(invalid(score_answers(padded(k, max + 1), a), "AnswerKey: the document is 65536 bytes"));
  EXPECT_TRUE(invalid(score_answers(k, padded(a, max + 1)), "QuestionFormAnswers: the document is 65536 bytes"));
}

TEST(AnswerKey, RejectsNestingDeeperThanSixteen) {
  auto nested = [](size_t depth) {   // root + (depth - 1) levels of <x>
    std::string open;
    std::string close;
    for (size_t i = 1; i < depth; ++i) {
      open += "<x>";
      close += "</x>";
    }
    return "<AnswerKey>" + open + close + "</AnswerKey>";
  };
  // Sixteen levels parse (and fail only the schema); seventeen do not parse.
  EXPECT_TRUE(invalid(validate_answer_key(nested(answer_key_depth_max)), "unexpected element <x>"));
  EXPECT_TRUE(invalid(validate_answer_key(nested(answer_key_depth_max + 1)), "nested deeper than 16"));
  EXPECT_TRUE(invalid(score_answers(key(question("q", option({"a"}, 1))),
                                    "<QuestionFormAnswers>" + nested(answer_key_depth_max + 1) +
                                        "</QuestionFormAnswers>"),
                      "nested deeper than 16"));
}

TEST(AnswerKey, RejectsTooManyQuestionsOrOptions) {
  std::string questions;
  for (size_t i = 0; i < answer_key_questions_max; ++i) questions += "<Question/>";
  // 1,000 empty questions get past the count and fail on their content.
  EXPECT_TRUE(invalid(validate_answer_key(key(questions)), "Question[1]: missing <QuestionIdentifier>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(questions + "<Question/>")), "more than 1000 <Question> elements"));

  std::string options;
  for (size_t i = 0; i < answer_key_options_per_question_max; ++i) options += "<AnswerOption/>";
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", options))),
                      "AnswerOption[1]: missing <SelectionIdentifier>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", options + "<AnswerOption/>"))),
                      "more than 1000 <AnswerOption> elements"));
}

TEST(AnswerKey, RejectsNonIntegerScores) {
  for (std::string_view s : {"1.5", "abc", "", " ", "1 2", "+", "-", "0x10", "1e2", "2147483648",
                             "-2147483649", "99999999999999999999"}) {
    const std::string in_option = key(question("q", option({"a"}, s)));
    EXPECT_TRUE(invalid(validate_answer_key(in_option), "<AnswerScore> is not a 32-bit integer")) << s;
    const std::string in_default =
        key(question("q", option({"a"}, 1), "<DefaultScore>" + std::string(s) + "</DefaultScore>"));
    EXPECT_TRUE(invalid(validate_answer_key(in_default), "<DefaultScore> is not a 32-bit integer")) << s;
  }
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({"a"}, "<b>1</b>")))), "must hold text only"));
  const std::string edges = key(question("q1", option({"a"}, "-2147483648")) + question("q2", option({"a"}, "+7")));
  EXPECT_EQ(score(edges, answers(selected("q1", {"a"}))), i32_min);
  EXPECT_EQ(score(edges, answers(selected("q2", {"a"}))), 7);
}

TEST(AnswerKey, RejectsMalformedKeys) {
  EXPECT_TRUE(invalid(validate_answer_key(key("")), "missing <Question>"));
  EXPECT_TRUE(invalid(validate_answer_key("<AnswerKey/>"), "missing <Question>"));
  EXPECT_TRUE(invalid(validate_answer_key(
                          key("<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>2"
                              "</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>")),
                      "missing <Question>"));
  EXPECT_TRUE(invalid(validate_answer_key("<QuestionForm>" + question("q", option({"a"}, 1)) + "</QuestionForm>"),
                      "root element is not <AnswerKey>"));
  EXPECT_TRUE(invalid(validate_answer_key(key("<Question>" + option({"a"}, 1) + "</Question>")),
                      "missing <QuestionIdentifier>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", ""))), "missing <AnswerOption>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("", option({"a"}, 1)))), "empty <QuestionIdentifier>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({" "}, 1)))), "empty <SelectionIdentifier>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({}, 1)))), "missing <SelectionIdentifier>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question(
                          "q", "<AnswerOption><SelectionIdentifier>a</SelectionIdentifier></AnswerOption>"))),
                      "missing <AnswerScore>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question(
                          "q", "<AnswerOption><SelectionIdentifier>a</SelectionIdentifier>"
                               "<AnswerScore>1</AnswerScore><AnswerScore>2</AnswerScore></AnswerOption>"))),
                      "more than one <AnswerScore>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({"a"}, 1), default_score(1) + default_score(2)))),
                      "more than one <DefaultScore>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({"a"}, 1)) + question("q", option({"b"}, 1)))),
                      "duplicate QuestionIdentifier 'q'"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({"a"}, 1), "<Hint>x</Hint>"))),
                      "AnswerKey/Question[1]: unexpected element <Hint>"));
  EXPECT_TRUE(invalid(validate_answer_key(key(question("q", option({"a"}, 1)) + "stray")), "unexpected text"));
  // A bad key fails scoring too, whatever the answers.
  EXPECT_TRUE(invalid(score_answers(key(question("q", "")), answers(selected("q", {"a"}))), "AnswerKey"));
}

TEST(AnswerKey, RejectsMalformedAnswers) {
  const std::string k = key(question("q", option({"a"}, 1)));
  EXPECT_TRUE(invalid(score_answers(k, "<Answers/>"), "root element is not <QuestionFormAnswers>"));
  EXPECT_TRUE(invalid(score_answers(k, ""), "QuestionFormAnswers: malformed XML"));
  EXPECT_TRUE(invalid(score_answers(k, answers("<Answer><SelectionIdentifier>a</SelectionIdentifier></Answer>")),
                      "missing <QuestionIdentifier>"));
  EXPECT_TRUE(invalid(score_answers(k, answers("<Answer><QuestionIdentifier>q</QuestionIdentifier>"
                                               "<FreeText>x</FreeText><SelectionIdentifier>a</SelectionIdentifier>"
                                               "</Answer>")),
                      "mixes free text"));
  EXPECT_TRUE(invalid(score_answers(k, answers("<Answer><QuestionIdentifier>q</QuestionIdentifier>"
                                               "<UploadedFileKey>k</UploadedFileKey></Answer>")),
                      "go together"));
  EXPECT_TRUE(invalid(score_answers(k, answers(selected("q", {"a"}) + selected("q", {"a"}))),
                      "a second Answer to question 'q'"));
  EXPECT_TRUE(invalid(score_answers(k, answers("<Answer><QuestionIdentifier>q</QuestionIdentifier>"
                                               "<Score>1</Score></Answer>")),
                      "QuestionFormAnswers/Answer[1]: unexpected element <Score>"));
  EXPECT_TRUE(invalid(score_answers(k, answers("<Other/>")), "unexpected element <Other>"));
}

} // namespace
} // namespace hitd
