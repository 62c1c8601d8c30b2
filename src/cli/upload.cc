#include "cli/upload.h"

#include <pugixml.hpp>

namespace nimbus::cli {

namespace {

Result<ClientResponse> s3(Client& c, const std::string& method, const std::string& target,
                          std::string body = {}) {
  http::Request req;
  req.method = method;
  req.target = target;
  req.body = std::move(body);
  return c.send(std::move(req), "s3");
}

}  // namespace

Result<std::string> account_id(Client& c) {
  auto xml = c.query_call("sts", "2011-06-15", "GetCallerIdentity", {});
  if (!xml) return xml.take_error();
  pugi::xml_document doc;
  if (!doc.load_buffer(xml->data(), xml->size())) {
    return Error::make("InvalidResponse", "STS answered with malformed XML");
  }
  std::string account = doc.select_node("//Account").node().child_value();
  if (account.empty()) return Error::make("InvalidResponse", "STS named no account");
  return account;
}

Status ensure_bucket(Client& c, const std::string& bucket) {
  auto head = s3(c, "HEAD", "/" + percent_encode(bucket));
  if (!head) return head.take_error();
  if (head->status == 200) return Status::ok();
  if (head->status != 404) return error_from_xml(head->status, *head);
  std::string body;
  if (c.region() != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        c.region() + "</LocationConstraint></CreateBucketConfiguration>";
  }
  auto made = s3(c, "PUT", "/" + percent_encode(bucket), std::move(body));
  if (!made) return made.take_error();
  if (made->status != 200) return error_from_xml(made->status, *made);
  return Status::ok();
}

Result<bool> upload_once(Client& c, const std::string& bucket, const std::string& key,
                         std::string body) {
  std::string target = "/" + percent_encode(bucket) + "/" + percent_encode(key, true);
  auto head = s3(c, "HEAD", target);
  if (!head) return head.take_error();
  if (head->status == 200) return false;
  if (head->status != 404) return error_from_xml(head->status, *head);
  auto put = s3(c, "PUT", target, std::move(body));
  if (!put) return put.take_error();
  if (put->status != 200) return error_from_xml(put->status, *put);
  return true;
}

}  // namespace nimbus::cli
