#include "broker/edge/static_files.h"

#include <filesystem>
#include <fstream>

#include "boost/beast/http/field.hpp"
#include "gtest/gtest.h"

namespace herald::edge {
namespace {

namespace http = boost::beast::http;

TEST(ResolveStaticPathTest, MapsPathsUnderTheRoot) {
  EXPECT_EQ(ResolveStaticPath("/srv", "/index.html"), "/srv/index.html");
  EXPECT_EQ(ResolveStaticPath("/srv", "/"), "/srv/index.html");
  EXPECT_EQ(ResolveStaticPath("/srv", "/chat/"), "/srv/chat/index.html");
  EXPECT_EQ(ResolveStaticPath("/srv", "/js/app.js"), "/srv/js/app.js");
}

TEST(ResolveStaticPathTest, RefusesPathsThatLeaveTheRoot) {
  EXPECT_EQ(ResolveStaticPath("/srv", "/../etc/passwd"), "");
  EXPECT_EQ(ResolveStaticPath("/srv", "/a/../../x"), "");
  EXPECT_EQ(ResolveStaticPath("/srv", "/./x"), "");
  EXPECT_EQ(ResolveStaticPath("/srv", "//etc/passwd"), "");
  EXPECT_EQ(ResolveStaticPath("/srv", "/a\\..\\x"), "");
  EXPECT_EQ(ResolveStaticPath("/srv", std::string_view("/a\0b", 4)), "");
  EXPECT_EQ(ResolveStaticPath("/srv", "relative"), "");
}

TEST(ContentTypeForTest, KnowsTheExamplesFileTypes) {
  EXPECT_EQ(ContentTypeFor("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("blob"), "application/octet-stream");
}

TEST(StaticFileResponseTest, ServesAFileAndAnswers404AndMethodNotAllowed) {
  const std::string root = ::testing::TempDir() + "/static_files_test";
  std::filesystem::create_directories(root);
  std::ofstream(root + "/index.html") << "<p>hi</p>";

  Request get(http::verb::get, "/", 11);
  Response ok = StaticFileResponse(root, "/", get);
  EXPECT_EQ(ok.result(), http::status::ok);
  EXPECT_EQ(ok.body(), "<p>hi</p>");
  EXPECT_EQ(ok[http::field::content_type], "text/html; charset=utf-8");

  EXPECT_EQ(StaticFileResponse(root, "/missing.js", get).result(), http::status::not_found);
  EXPECT_EQ(StaticFileResponse(root, "/../static_files_test/index.html", get).result(),
            http::status::not_found);
  Request post(http::verb::post, "/", 11);
  EXPECT_EQ(StaticFileResponse(root, "/", post).result(), http::status::method_not_allowed);
}

}  // namespace
}  // namespace herald::edge
