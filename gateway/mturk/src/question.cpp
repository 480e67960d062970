#include "question.hpp"

#include <cctype>
#include <vector>

#include "hitd/limits.hpp"

namespace hitd::gateway_mturk {

namespace {

constexpr size_t depth_max = 256;

bool name_start(unsigned char c) { return std::isalpha(c) || c == '_' || c == ':' || c >= 0x80; }
bool name_char(unsigned char c) { return name_start(c) || std::isdigit(c) || c == '-' || c == '.'; }
bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class parser {
public:
  explicit parser(std::string_view s) : s_(s) {}

  std::string run(std::string* root_name) {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF")
      p_ = 3;
    if (s_.substr(p_, 5) == "<?xml") {
      auto end = s_.find("?>", p_);
      if (end == std::string_view::npos)
        return at("the XML declaration is not closed");
      p_ = end + 2;
    }
    if (auto why = misc(); !why.empty())
      return why;
    if (p_ >= s_.size() || s_[p_] != '<')
      return at("expected the root element");
    std::vector<std::string_view> open;
    bool root_done = false;
    while (p_ < s_.size()) {
      if (root_done) {
        if (auto why = misc(); !why.empty())
          return why;
        if (p_ < s_.size())
          return at("content after the root element");
        break;
      }
      if (s_[p_] != '<') {
        if (open.empty())
          return at("text outside the root element");
        if (auto why = text(); !why.empty())
          return why;
        continue;
      }
      if (s_.substr(p_, 4) == "<!--") {
        if (auto why = comment(); !why.empty())
          return why;
      } else if (s_.substr(p_, 9) == "<![CDATA[") {
        if (open.empty())
          return at("CDATA outside the root element");
        auto end = s_.find("]]>", p_ + 9);
        if (end == std::string_view::npos)
          return at("a CDATA section is not closed");
        p_ = end + 3;
      } else if (s_.substr(p_, 2) == "<!") {
        return at("DOCTYPE and other declarations are not accepted");
      } else if (s_.substr(p_, 2) == "<?") {
        auto end = s_.find("?>", p_ + 2);
        if (end == std::string_view::npos)
          return at("a processing instruction is not closed");
        p_ = end + 2;
      } else if (s_.substr(p_, 2) == "</") {
        p_ += 2;
        auto name = read_name();
        if (name.empty())
          return at("expected a name in the end tag");
        while (p_ < s_.size() && space(s_[p_]))
          ++p_;
        if (p_ >= s_.size() || s_[p_] != '>')
          return at("expected > after the end tag's name");
        ++p_;
        if (open.empty() || open.back() != name)
          return at("end tag </" + std::string{name} + "> does not match " +
                    (open.empty() ? std::string{"anything"} : "<" + std::string{open.back()} + ">"));
        open.pop_back();
        root_done = open.empty();
      } else {
        ++p_;
        auto name = read_name();
        if (name.empty())
          return at("expected an element name after <");
        if (open.empty() && root_name) {
          auto colon = name.rfind(':');
          *root_name = std::string{colon == std::string_view::npos ? name : name.substr(colon + 1)};
        }
        bool empty_element = false;
        std::vector<std::string_view> attrs;
        for (;;) {
          bool had_space = false;
          while (p_ < s_.size() && space(s_[p_])) {
            ++p_;
            had_space = true;
          }
          if (p_ >= s_.size())
            return at("the start tag <" + std::string{name} + "> is not closed");
          if (s_[p_] == '>') {
            ++p_;
            break;
          }
          if (s_.substr(p_, 2) == "/>") {
            p_ += 2;
            empty_element = true;
            break;
          }
          if (!had_space)
            return at("expected a space before an attribute");
          auto attr = read_name();
          if (attr.empty())
            return at("expected an attribute name");
          for (auto a : attrs)
            if (a == attr)
              return at("attribute " + std::string{attr} + " appears twice");
          if (attrs.size() >= 256)
            return at("too many attributes");
          attrs.push_back(attr);
          while (p_ < s_.size() && space(s_[p_]))
            ++p_;
          if (p_ >= s_.size() || s_[p_] != '=')
            return at("expected = after attribute " + std::string{attr});
          ++p_;
          while (p_ < s_.size() && space(s_[p_]))
            ++p_;
          if (p_ >= s_.size() || (s_[p_] != '"' && s_[p_] != '\''))
            return at("attribute values must be quoted");
          char q = s_[p_++];
          auto end = s_.find(q, p_);
          if (end == std::string_view::npos)
            return at("an attribute value is not closed");
          auto value = s_.substr(p_, end - p_);
          if (value.find('<') != std::string_view::npos)
            return at("< in an attribute value");
          if (auto why = references(value); !why.empty())
            return why;
          p_ = end + 1;
        }
        if (!empty_element) {
          if (open.size() >= depth_max)
            return at("elements nested deeper than 256");
          open.push_back(name);
        } else if (open.empty()) {
          root_done = true;
        }
      }
    }
    if (!open.empty())
      return "element <" + std::string{open.back()} + "> is not closed";
    if (!root_done)
      return "no root element";
    return {};
  }

private:
  std::string at(const std::string& what) const { return what + " (at byte " + std::to_string(p_) + ")"; }

  std::string_view read_name() {
    size_t start = p_;
    if (p_ < s_.size() && name_start(static_cast<unsigned char>(s_[p_])))
      ++p_;
    else
      return {};
    while (p_ < s_.size() && name_char(static_cast<unsigned char>(s_[p_])))
      ++p_;
    return s_.substr(start, p_ - start);
  }

  std::string misc() {
    for (;;) {
      while (p_ < s_.size() && space(s_[p_]))
        ++p_;
      if (s_.substr(p_, 4) == "<!--") {
        if (auto why = comment(); !why.empty())
          return why;
      } else if (s_.substr(p_, 2) == "<?") {
        auto end = s_.find("?>", p_ + 2);
        if (end == std::string_view::npos)
          return at("a processing instruction is not closed");
        p_ = end + 2;
      } else if (s_.substr(p_, 2) == "<!") {
        return at("DOCTYPE and other declarations are not accepted");
      } else {
        return {};
      }
    }
  }

  std::string comment() {
    auto end = s_.find("-->", p_ + 4);
    if (end == std::string_view::npos)
      return at("a comment is not closed");
    p_ = end + 3;
    return {};
  }

  std::string text() {
    auto end = s_.find('<', p_);
    if (end == std::string_view::npos)
      end = s_.size();
    auto t = s_.substr(p_, end - p_);
    if (auto why = references(t); !why.empty())
      return why;
    p_ = end;
    return {};
  }

  // Every & starts a reference: &name; &#123; &#x1F;
  std::string references(std::string_view t) const {
    for (size_t i = t.find('&'); i != std::string_view::npos; i = t.find('&', i + 1)) {
      auto semi = t.find(';', i);
      if (semi == std::string_view::npos || semi == i + 1 || semi - i > 32)
        return at("& must start an entity reference such as &amp;");
      auto ref = t.substr(i + 1, semi - i - 1);
      if (ref[0] == '#') {
        bool hex = ref.size() > 1 && ref[1] == 'x';
        auto digits = ref.substr(hex ? 2 : 1);
        if (digits.empty())
          return at("an empty character reference");
        for (char c : digits)
          if (!(hex ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c))))
            return at("a malformed character reference");
      } else if (ref != "amp" && ref != "lt" && ref != "gt" && ref != "quot" && ref != "apos") {
        return at("unknown entity &" + std::string{ref} + "; (no DTD: only amp, lt, gt, quot, apos)");
      }
    }
    return {};
  }

  std::string_view s_;
  size_t p_ = 0;
};

} // namespace

std::string check_well_formed(std::string_view xml, std::string* root_name) { return parser{xml}.run(root_name); }

std::string check_question(std::string_view xml) {
  if (xml.size() > limits::question_bytes_max)
    return "larger than 65535 bytes";
  std::string root;
  if (auto why = check_well_formed(xml, &root); !why.empty())
    return "not well-formed XML: " + why;
  if (root != "QuestionForm" && root != "HTMLQuestion" && root != "ExternalQuestion")
    return "the root element must be QuestionForm, HTMLQuestion or ExternalQuestion, not " + root;
  return {};
}

} // namespace hitd::gateway_mturk
