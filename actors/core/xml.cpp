// The XML reader (hitd/xml.hpp), shared by the answer-key scoring and the
// gateway's question pages.

#include "hitd/xml.hpp"

namespace hitd::xml {
namespace {

// ---------------------------------------------------------------------------
// XML: elements, ignored attributes, comments, processing instructions,
// CDATA, predefined entities and character references. No DOCTYPE, so no
// entity expansion; every loop advances through the (bounded) input once.

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '-' || c == '.'; }

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A character XML 1.0 allows in a document.
bool is_xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

class parser {
public:
  parser(std::string_view in, size_t depth_max) : in_(in), depth_max_(depth_max) {}

  bool parse(document& doc);
  const std::string& why() const { return why_; }

private:
  struct open_tag {
    uint32_t index;
    std::string_view qname;
  };

  bool fail(std::string_view message) {
    why_ = "malformed XML at byte " + std::to_string(pos_) + ": ";
    why_.append(message);
    return false;
  }
  bool at_end() const { return pos_ >= in_.size(); }
  bool starts_with(std::string_view s) const { return in_.substr(pos_).starts_with(s); }
  bool skip_space() {
    size_t start = pos_;
    while (!at_end() && is_space(in_[pos_])) ++pos_;
    return pos_ != start;
  }

  bool parse_misc(bool before_root);
  bool skip_comment();
  bool skip_processing_instruction();
  bool parse_qname(std::string_view& qname, std::string_view& local);
  bool parse_start_tag(document& doc, std::vector<open_tag>& stack);
  bool parse_end_tag(std::vector<open_tag>& stack);
  bool parse_attribute_value();
  bool decode_reference(std::string& out);

  std::string_view in_;
  size_t depth_max_;
  size_t pos_ = 0;
  size_t content_start_ = 0;   // after a byte order mark
  std::string why_;
};

bool parser::parse(document& doc) {
  if (starts_with("\xEF\xBB\xBF")) pos_ = content_start_ = 3;
  for (size_t i = 0; i < in_.size(); ++i) {
    auto c = static_cast<unsigned char>(in_[i]);
    if (c < 0x20 && !is_space(in_[i])) {
      pos_ = i;
      return fail("control character");
    }
  }
  if (!parse_misc(true)) return false;
  if (at_end()) return fail("no root element");
  if (in_[pos_] != '<') return fail("text outside the root element");

  std::vector<open_tag> stack;
  if (!parse_start_tag(doc, stack)) return false;
  while (!stack.empty()) {
    if (at_end()) return fail("unclosed element <" + std::string(stack.back().qname) + ">");
    char c = in_[pos_];
    if (c == '&') {
      if (!decode_reference(doc.elements[stack.back().index].text)) return false;
    } else if (c != '<') {
      doc.elements[stack.back().index].text.push_back(c);
      ++pos_;
    } else if (starts_with("<!--")) {
      if (!skip_comment()) return false;
    } else if (starts_with("<![CDATA[")) {
      size_t end = in_.find("]]>", pos_ + 9);
      if (end == std::string_view::npos) return fail("unterminated CDATA section");
      doc.elements[stack.back().index].text.append(in_.substr(pos_ + 9, end - pos_ - 9));
      pos_ = end + 3;
    } else if (starts_with("<?")) {
      if (!skip_processing_instruction()) return false;
    } else if (starts_with("</")) {
      if (!parse_end_tag(stack)) return false;
    } else if (starts_with("<!")) {
      return fail("unsupported markup declaration");
    } else {
      if (!parse_start_tag(doc, stack)) return false;
    }
  }
  if (!parse_misc(false)) return false;
  if (!at_end()) return fail("content after the root element");
  return true;
}

// Whitespace, comments and processing instructions outside the root element.
bool parser::parse_misc(bool before_root) {
  for (;;) {
    skip_space();
    if (starts_with("<!--")) {
      if (!skip_comment()) return false;
    } else if (starts_with("<?")) {
      if (!skip_processing_instruction()) return false;
    } else if (before_root && starts_with("<!")) {
      return fail("DOCTYPE and other declarations are not allowed");
    } else {
      return true;
    }
  }
}

bool parser::skip_comment() {
  size_t end = in_.find("--", pos_ + 4);
  if (end == std::string_view::npos) return fail("unterminated comment");
  if (end + 2 >= in_.size() || in_[end + 2] != '>') return fail("'--' inside a comment");
  pos_ = end + 3;
  return true;
}

bool parser::skip_processing_instruction() {
  size_t start = pos_;
  pos_ += 2;
  std::string_view target;
  std::string_view local;
  if (!parse_qname(target, local)) return fail("malformed processing instruction");
  bool is_declaration = target.size() == 3 && (target[0] | 0x20) == 'x' &&
                        (target[1] | 0x20) == 'm' && (target[2] | 0x20) == 'l';
  if (is_declaration && start != content_start_) {
    return fail("XML declaration not at the start of the document");
  }
  if (!at_end() && !is_space(in_[pos_]) && !starts_with("?>")) {
    return fail("malformed processing instruction");
  }
  size_t end = in_.find("?>", pos_);
  if (end == std::string_view::npos) return fail("unterminated processing instruction");
  pos_ = end + 2;
  return true;
}

// A name with at most one colon, neither first nor last; `local` is the part
// after the colon (the whole name without one).
bool parser::parse_qname(std::string_view& qname, std::string_view& local) {
  size_t start = pos_;
  if (at_end() || !is_name_start(in_[pos_]) || in_[pos_] == ':') return false;
  size_t colon = std::string_view::npos;
  while (!at_end() && is_name_char(in_[pos_])) {
    if (in_[pos_] == ':') {
      if (colon != std::string_view::npos) return false;
      colon = pos_;
    }
    ++pos_;
  }
  if (colon + 1 == pos_) return false;   // a trailing colon
  qname = in_.substr(start, pos_ - start);
  local = colon == std::string_view::npos ? qname : in_.substr(colon + 1, pos_ - colon - 1);
  return true;
}

bool parser::parse_start_tag(document& doc, std::vector<open_tag>& stack) {
  ++pos_;   // '<'
  std::string_view qname;
  std::string_view local;
  if (!parse_qname(qname, local)) return fail("malformed element name");
  if (stack.size() >= depth_max_) {
    return fail("elements nested deeper than " + std::to_string(depth_max_));
  }
  bool self_closing = false;
  for (;;) {
    bool spaced = skip_space();
    if (at_end()) return fail("unterminated start tag <" + std::string(qname) + ">");
    if (in_[pos_] == '>') {
      ++pos_;
      break;
    }
    if (starts_with("/>")) {
      pos_ += 2;
      self_closing = true;
      break;
    }
    // An attribute (xmlns declarations included): checked, then ignored.
    std::string_view attr;
    std::string_view attr_local;
    if (!spaced || !parse_qname(attr, attr_local)) return fail("malformed attribute");
    skip_space();
    if (at_end() || in_[pos_] != '=') return fail("attribute without '='");
    ++pos_;
    skip_space();
    if (!parse_attribute_value()) return false;
  }
  auto index = static_cast<uint32_t>(doc.elements.size());
  if (!stack.empty()) doc.elements[stack.back().index].children.push_back(index);
  doc.elements.push_back(element{local, {}, {}});
  if (!self_closing) stack.push_back(open_tag{index, qname});
  return true;
}

bool parser::parse_attribute_value() {
  if (at_end() || (in_[pos_] != '"' && in_[pos_] != '\'')) return fail("unquoted attribute value");
  char quote = in_[pos_++];
  std::string scratch;   // references are checked, the value is not kept
  for (;;) {
    if (at_end()) return fail("unterminated attribute value");
    char c = in_[pos_];
    if (c == quote) {
      ++pos_;
      return true;
    }
    if (c == '<') return fail("'<' in an attribute value");
    if (c == '&') {
      if (!decode_reference(scratch)) return false;
    } else {
      ++pos_;
    }
  }
}

bool parser::parse_end_tag(std::vector<open_tag>& stack) {
  pos_ += 2;   // "</"
  std::string_view qname;
  std::string_view local;
  if (!parse_qname(qname, local)) return fail("malformed end tag");
  skip_space();
  if (at_end() || in_[pos_] != '>') return fail("malformed end tag </" + std::string(qname) + ">");
  if (qname != stack.back().qname) {
    return fail("mismatched end tag </" + std::string(qname) + ">, expected </" +
                std::string(stack.back().qname) + ">");
  }
  ++pos_;
  stack.pop_back();
  return true;
}

// At '&': appends the referenced character.
bool parser::decode_reference(std::string& out) {
  size_t semi = in_.find(';', pos_);
  constexpr size_t longest = 10;   // "&#x10FFFF;" and "&#1114111;"
  if (semi == std::string_view::npos || semi - pos_ > longest) return fail("malformed entity reference");
  std::string_view name = in_.substr(pos_ + 1, semi - pos_ - 1);
  if (name == "lt") {
    out.push_back('<');
  } else if (name == "gt") {
    out.push_back('>');
  } else if (name == "amp") {
    out.push_back('&');
  } else if (name == "quot") {
    out.push_back('"');
  } else if (name == "apos") {
    out.push_back('\'');
  } else if (name.starts_with('#')) {
    std::string_view digits = name.substr(1);
    uint32_t base = 10;
    if (digits.starts_with('x')) {
      digits.remove_prefix(1);
      base = 16;
    }
    if (digits.empty()) return fail("malformed character reference");
    uint32_t cp = 0;
    for (char c : digits) {
      uint32_t d = 0;
      if (is_digit(c)) {
        d = static_cast<uint32_t>(c - '0');
      } else if (base == 16 && c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (base == 16 && c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return fail("malformed character reference");
      }
      cp = cp * base + d;
      if (cp > 0x10FFFF) return fail("character reference out of range");
    }
    if (!is_xml_char(cp)) return fail("character reference to a character XML does not allow");
    append_utf8(cp, out);
  } else {
    return fail("unknown entity &" + std::string(name) + ";");
  }
  pos_ = semi + 1;
  return true;
}

} // namespace

std::string parse(std::string_view in, document& doc, size_t depth_max) {
  parser p{in, depth_max};
  if (p.parse(doc))
    return {};
  return p.why().empty() ? std::string{"malformed XML"} : p.why();
}

} // namespace hitd::xml
