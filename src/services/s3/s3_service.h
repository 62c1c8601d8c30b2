// Amazon S3 (restXml, 2006-03-01): buckets and objects with streamed bodies
// (see README.md for what is served). The engine (engine.h) keeps the
// state; objects() is what the rest of the S3 service builds on.
#pragma once

#include "services/s3/config_features.h"
#include "services/s3/engine.h"
#include "services/s3/object_reader.h"
#include "services/s3/object_writer.h"
#include "services/s3/post_auth.h"
#include "services/s3/post_body.h"
#include "services/s3/website.h"
#include "services/service.h"

namespace nimbus::services::s3 {

class S3Service final : public Service {
 public:
  explicit S3Service(Environment& env);
  [[nodiscard]] Status start() override;
  // The bucket's policy (Service::resource_policy).
  std::string resource_policy(const std::string& arn) const override;

  // Buckets and objects for configurations, notifications, website hosting
  // and lifecycle (objects.h).
  Objects& objects() { return engine_; }
  // The engine itself (tests: how it syncs bodies).
  Engine& engine() { return engine_; }
  // Objects other services write in-process (Firehose; api.h).
  ObjectWriter& writer() { return writer_; }
  // Objects other services read in-process (Lambda code; api.h).
  ObjectReader& reader() { return reader_; }
  // Who may upload through POST forms (post_auth.h); set once by the server
  // before requests arrive. Without it forms are taken unchecked, as with
  // authentication off (unit tests).
  void use_post_auth(const PostAuth* auth) { post_auth_ = auth; }

 private:
  static const Operation<S3Service> kOperations[];

  // bucket_handlers.cc
  void create_bucket(const CallContext& ctx, boost::json::object in, Respond respond);
  void delete_bucket(const CallContext& ctx, boost::json::object in, Respond respond);
  Output head_bucket(const CallContext& ctx, const boost::json::object& in) const;
  Output list_buckets(const CallContext& ctx, const boost::json::object& in) const;
  Output get_bucket_location(const CallContext& ctx, const boost::json::object& in) const;

  // object_handlers.cc
  void put_object(const CallContext& ctx, boost::json::object in, Respond respond);
  void get_object(const CallContext& ctx, boost::json::object in, Respond respond);
  void head_object(const CallContext& ctx, boost::json::object in, Respond respond);
  void delete_object(const CallContext& ctx, boost::json::object in, Respond respond);

  // post_handlers.cc
  void post_object(const CallContext& ctx, boost::json::object in, Respond respond);
  void upload_form(const CallContext& ctx, std::string bucket, PostFields form,
                   std::shared_ptr<PostBody> body, Respond respond);

  // attributes_handlers.cc
  Output get_object_attributes(const CallContext& ctx, const boost::json::object& in) const;

  // copy_handlers.cc
  void copy_object(const CallContext& ctx, boost::json::object in, Respond respond);
  // The object x-amz-copy-source names, after its copy-source conditions.
  Result<ObjectMeta> resolve_copy_source(const boost::json::object& in) const;

  // delete_handlers.cc
  void delete_objects(const CallContext& ctx, boost::json::object in, Respond respond);

  // multipart_handlers.cc
  void create_multipart_upload(const CallContext& ctx, boost::json::object in, Respond respond);
  void upload_part(const CallContext& ctx, boost::json::object in, Respond respond);
  void upload_part_copy(const CallContext& ctx, boost::json::object in, Respond respond);
  void complete_multipart_upload(const CallContext& ctx, boost::json::object in, Respond respond);
  void abort_multipart_upload(const CallContext& ctx, boost::json::object in, Respond respond);
  Output list_parts(const CallContext& ctx, const boost::json::object& in) const;
  Output list_multipart_uploads(const CallContext& ctx, const boost::json::object& in) const;
  // The upload `in` names (Bucket, Key, UploadId): NoSuchBucket, NoSuchUpload.
  Result<Upload> existing_upload(const boost::json::object& in) const;

  // list_handlers.cc
  Output list_objects_v2(const CallContext& ctx, const boost::json::object& in) const;
  Output list_objects_v1(const CallContext& ctx, const boost::json::object& in) const;
  Result<boost::json::object> list_objects(const CallContext& ctx, const boost::json::object& in,
                                           bool v2) const;

  // version_handlers.cc
  void put_bucket_versioning(const CallContext& ctx, boost::json::object in, Respond respond);
  Output get_bucket_versioning(const CallContext& ctx, const boost::json::object& in) const;
  Output list_object_versions(const CallContext& ctx, const boost::json::object& in) const;

  // tag_handlers.cc
  void put_object_tagging(const CallContext& ctx, boost::json::object in, Respond respond);
  void delete_object_tagging(const CallContext& ctx, boost::json::object in, Respond respond);
  Output get_object_tagging(const CallContext& ctx, const boost::json::object& in) const;
  void put_bucket_tagging(const CallContext& ctx, boost::json::object in, Respond respond);
  Output get_bucket_tagging(const CallContext& ctx, const boost::json::object& in) const;
  void delete_bucket_tagging(const CallContext& ctx, boost::json::object in, Respond respond);

  // Who asks, for the event records.
  static Caller caller_of(const CallContext& ctx) {
    return Caller{ctx.request_id, ctx.access_key_id.empty() ? ctx.account_id : ctx.access_key_id};
  }

  // The bucket `in` names: NoSuchBucket when it does not exist.
  Result<Bucket> existing_bucket(const boost::json::object& in) const;
  // GET and HEAD: the object (or its range) with its headers, the body as
  // a stream from its file when `body`.
  // `attempt` counts the reads that found their body replaced meanwhile.
  void read_object(std::shared_ptr<Payload> payload, boost::json::object in, Respond respond,
                   bool body, int attempt);

  Environment& env_;
  Engine engine_;
  EngineObjectWriter writer_{engine_};
  EngineObjectReader reader_{engine_, env_.workers};
  ConfigFeatures features_;  // configurations, notifications, lifecycle (config_features.h)
  WebsiteServer website_{env_, engine_};  // website endpoints (website.h)
  const PostAuth* post_auth_ = nullptr;
};

}  // namespace nimbus::services::s3
