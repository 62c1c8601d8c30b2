// Tags of API Gateway resources moved in place (apigateway_util.h): the
// gateways' create calls take Tags, but nothing else changes them.
#include "services/cloudformation/providers/apigateway_util.h"

namespace nimbus::services::cloudformation::providers::apigw {

ProvideDone retagged(const ResourceRequest& r, std::string_view model, std::string path,
                     ProvideDone done) {
  provide::TagApi api{std::string(model),   "TagResource", "UntagResource",
                      "ResourceArn",        "Tags",        "TagKeys",
                      provide::TagApi::kMap};
  if (model == kModel) {
    api.id_field = "resourceArn";
    api.tags_field = "tags";
    api.keys_field = "tagKeys";
  }
  return [r, api = std::move(api), path = std::move(path),
          done = std::move(done)](Result<Provided> made) {
    if (!made) return done(std::move(made));
    auto steps = provide::retag_steps(
        r, api, "arn:aws:apigateway:" + r.region + "::/" + path + made->physical_id);
    if (steps.empty()) return done(std::move(made));
    provide::in_order(std::move(steps), [made = std::move(*made), done](Status st) {
      if (!st) return done(st.take_error());
      done(made);
    });
  };
}

}  // namespace nimbus::services::cloudformation::providers::apigw
