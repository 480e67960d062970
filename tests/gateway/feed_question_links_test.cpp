// Signed question links (gateway/feed/question_links.hpp) and the question
// XML helpers the /question page uses; the links in the protocol's preview
// and assignments replies.

#include <gtest/gtest.h>

#include <string>

#include "hitd/gateway/feed/question_links.hpp"

namespace hitd::gateway {
namespace {

std::string query_of(const std::string& link) { return link.substr(link.find('?') + 1); }

TEST(QuestionLinks, ALinkChecksOutUntilItExpiresAndNotOnceAltered) {
  question_links links{"a key for the test"};
  auto link = links.link("H0000000000042", "AR0000000000007", 1'000);
  ASSERT_EQ(link.rfind("/question?hit=H0000000000042&requester=AR0000000000007&expires=1000&sig=", 0), 0u) << link;
  auto t = links.check(query_of(link), 999);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hit_id, "H0000000000042");
  EXPECT_EQ(t->requester_id, "AR0000000000007");
  EXPECT_TRUE(links.check(query_of(link), 1'000));
  EXPECT_FALSE(links.check(query_of(link), 1'001)) << "expired";
  // Extra parameters (MTurk's, added by the worker page) change nothing.
  EXPECT_TRUE(links.check(query_of(link) + "&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&turkSubmitTo=http%3A%2F%2Fx", 0));

  auto altered = [&](std::string from, std::string to) {
    auto q = query_of(link);
    q.replace(q.find(from), from.size(), to);
    return links.check(q, 0);
  };
  EXPECT_FALSE(altered("H0000000000042", "H0000000000043")) << "another HIT";
  EXPECT_FALSE(altered("AR0000000000007", "AR0000000000008")) << "another requester";
  EXPECT_FALSE(altered("expires=1000", "expires=9999")) << "a later expiry";
  auto sig = query_of(link).substr(query_of(link).find("sig=") + 4);
  EXPECT_FALSE(altered(sig, std::string(sig.size(), '0'))) << "a forged signature";
  EXPECT_FALSE(altered(sig, sig.substr(1))) << "a short signature";
  EXPECT_FALSE(question_links{"another key"}.check(query_of(link), 0)) << "another process's key";
  for (auto bad : {"", "hit=H0000000000042", "hit=x&requester=AR1&expires=1&sig=00", "hit=H0000000000042&requester=AR1&expires=1x&sig=00"})
    EXPECT_FALSE(links.check(bad, 0)) << bad;
}

TEST(QuestionLinks, FreshKeysDiffer) {
  question_links a, b;
  EXPECT_NE(a.link("H0000000000001", "AR1", 5), b.link("H0000000000001", "AR1", 5));
  EXPECT_TRUE(a.check(query_of(a.link_from_now("H0000000000001", "AR1")), 0));
}

TEST(QuestionXml, RootElementAfterTheProlog) {
  EXPECT_TRUE(root_element_is("<HTMLQuestion xmlns=\"x\"><HTMLContent/></HTMLQuestion>", "HTMLQuestion"));
  EXPECT_TRUE(root_element_is("<?xml version=\"1.0\"?>\n<!-- c -->\n<q:HTMLQuestion xmlns:q=\"x\"/>", "HTMLQuestion"));
  EXPECT_FALSE(root_element_is("<QuestionForm><HTMLQuestion/></QuestionForm>", "HTMLQuestion"));
  EXPECT_FALSE(root_element_is("<HTMLQuestionX/>", "HTMLQuestion"));
  EXPECT_TRUE(root_element_is("<ExternalQuestion><ExternalURL>https://x</ExternalURL></ExternalQuestion>", "ExternalQuestion"));
  EXPECT_FALSE(root_element_is("", "HTMLQuestion"));
}

TEST(QuestionXml, HtmlContentIsCdataAsIsAndTextDecoded) {
  EXPECT_EQ(html_content_of("<HTMLQuestion xmlns=\"x\"><HTMLContent><![CDATA[<p>a & b</p>]]></HTMLContent>"
                            "<FrameHeight>0</FrameHeight></HTMLQuestion>"),
            "<p>a & b</p>");
  EXPECT_EQ(html_content_of("<HTMLQuestion><HTMLContent>&lt;p&gt;&quot;caf&#233;&#x21;&quot; &amp; &apos;x&apos;&lt;/p&gt;"
                            "</HTMLContent></HTMLQuestion>"),
            "<p>\"caf\xC3\xA9!\" & 'x'</p>");
  // Text and CDATA mixed; a comment left out; a prefix.
  EXPECT_EQ(html_content_of("<q:HTMLQuestion xmlns:q=\"x\"><q:HTMLContent>&lt;b&gt;<![CDATA[<i></HTMLContent>]]><!-- no -->"
                            "</q:HTMLContent></q:HTMLQuestion>"),
            "<b><i></HTMLContent>");
  EXPECT_EQ(html_content_of("<HTMLQuestion><HTMLContent/></HTMLQuestion>"), "");
  EXPECT_FALSE(html_content_of("<QuestionForm><HTMLContent>x</HTMLContent></QuestionForm>"));
  EXPECT_FALSE(html_content_of("<HTMLQuestion><FrameHeight>1</FrameHeight></HTMLQuestion>"));
  EXPECT_FALSE(html_content_of("<HTMLQuestion><HTMLContent><p>markup, not text</p></HTMLContent></HTMLQuestion>"));
}

} // namespace
} // namespace hitd::gateway
