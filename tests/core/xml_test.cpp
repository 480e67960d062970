// The XML reader (hitd/xml.hpp); the answer-key tests read it further.

#include "hitd/xml.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hitd::xml {
namespace {

TEST(Xml, ReadsElementsTextAndCdataWithPrefixesStripped) {
  document doc;
  std::string in = "<?xml version=\"1.0\"?><!-- c --><q:A xmlns:q=\"u\" k='v'><B>x &amp; &#x263A;</B>"
                   "<C><![CDATA[<p>&amp;</p>]]></C></q:A>";
  ASSERT_EQ(parse(in, doc), "");
  ASSERT_EQ(doc.elements.size(), 3u);
  EXPECT_EQ(doc.elements[0].name, "A");
  ASSERT_EQ(doc.elements[0].children.size(), 2u);
  EXPECT_EQ(doc.elements[doc.elements[0].children[0]].text, "x & \xE2\x98\xBA");
  EXPECT_EQ(doc.elements[doc.elements[0].children[1]].text, "<p>&amp;</p>");
}

TEST(Xml, RefusesWhatIsNotWellFormedOrTooDeep) {
  for (auto bad : {"", "text", "<a>", "<a></b>", "<a>&nope;</a>", "<!DOCTYPE a><a/>", "<a/><b/>", "<a><![CDATA[x</a>"}) {
    document doc;
    EXPECT_NE(parse(bad, doc), "") << bad;
  }
  document doc;
  EXPECT_EQ(parse("<a><b><c/></b></a>", doc, 3), "");
  document deeper;
  auto why = parse("<a><b><c><d/></c></b></a>", deeper, 3);
  EXPECT_NE(why.find("nested deeper than 3"), std::string::npos) << why;
}

} // namespace
} // namespace hitd::xml
