#include "services/s3/config/form_data.h"

#include <gtest/gtest.h>

#include <map>

namespace nimbus::s3config {
namespace {

struct Collected {
  std::map<std::string, std::string> fields;
  std::string file_name, file_type, file;
  int files = 0;
};

FormHandler collect(Collected& c) {
  return FormHandler{[&](std::string n, std::string v) {
                       c.fields[n] = v;
                       return Status::ok();
                     },
                     [&](const FilePart& p) {
                       c.file_name = p.filename;
                       c.file_type = p.content_type;
                       return Status::ok();
                     },
                     [&](std::string_view chunk) {
                       c.file.append(chunk);
                       return Status::ok();
                     },
                     [&]() {
                       ++c.files;
                       return Status::ok();
                     }};
}

const std::string kBody =
    "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n"
    "--XyZ\r\ncontent-disposition: form-data; name=\"x-amz-meta-note\"\r\n\r\nline1\r\nline2\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\n"
    "Content-Type: text/plain\r\n\r\nhello\r\n--XY not yet\r\n--XyZ--\r\nepilogue";

TEST(FormData, WholeBody) {
  EXPECT_EQ(form_boundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(form_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_FALSE(form_boundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(form_boundary("multipart/form-data"));
  Collected c;
  FormDataParser p("XyZ", collect(c));
  ASSERT_TRUE(p.feed(kBody));
  ASSERT_TRUE(p.finish());
  EXPECT_EQ(c.fields["key"], "uploads/${filename}");
  EXPECT_EQ(c.fields["x-amz-meta-note"], "line1\r\nline2");
  EXPECT_EQ(c.file_name, "a \"b\".txt");
  EXPECT_EQ(c.file_type, "text/plain");
  EXPECT_EQ(c.file, "hello\r\n--XY not yet");
  EXPECT_EQ(c.files, 1);
}

TEST(FormData, ByteAtATimeGivesTheSame) {
  Collected c;
  FormDataParser p("XyZ", collect(c));
  for (char ch : kBody) ASSERT_TRUE(p.feed(std::string_view(&ch, 1)));
  ASSERT_TRUE(p.finish());
  EXPECT_EQ(c.file, "hello\r\n--XY not yet");
  EXPECT_EQ(c.fields.size(), 2U);
}

TEST(FormData, MalformedBodies) {
  auto run = [](const std::string& body, FormLimits limits = {}) {
    Collected c;
    FormDataParser p("XyZ", collect(c), limits);
    auto s = p.feed(body);
    if (!s) return s.error().code;
    auto f = p.finish();
    return f ? std::string() : f.error().code;
  };
  EXPECT_EQ(run("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1"),
            "MalformedPOSTRequest");
  EXPECT_EQ(run("--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--"), "MalformedPOSTRequest");
  EXPECT_EQ(run("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--XyZ--"),
            "MalformedPOSTRequest");
  EXPECT_EQ(run("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n12345\r\n--XyZ--",
                FormLimits{.field_bytes = 4}),
            "MalformedPOSTRequest");
  EXPECT_EQ(run("no boundary at all"), "MalformedPOSTRequest");
  EXPECT_EQ(run("--XyZ--"), "");
}

TEST(FormData, AHandlerErrorStopsParsing) {
  FormHandler h;
  h.field = [](std::string, std::string) { return Status(Error::make("Stop", "stop", 400)); };
  FormDataParser p("b", h);
  auto s = p.feed("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "Stop");
}

}  // namespace
}  // namespace nimbus::s3config
