// ConfigFeatures: what bucket configurations add to the S3 service, in one
// member of it: the configuration operations (ConfigOps, served beside the
// service's own table), event notifications (Notifier) and lifecycle sweeps
// (LifecycleSweep), all on the engine's Objects interface.
//
// Declare it after the engine (it listens to the engine and is destroyed
// first); start() after the engine's.
#pragma once

#include "services/s3/config_ops.h"
#include "services/s3/lifecycle_sweep.h"
#include "services/s3/notify.h"

namespace nimbus::services::s3 {

class ConfigFeatures {
 public:
  ConfigFeatures(Environment& env, Objects& objects)
      : notifier_(env, objects),
        lifecycle_(env, objects),
        ops_(env, objects, notifier_, lifecycle_) {}

  Status start() {
    NIMBUS_TRY(notifier_.start());
    return lifecycle_.start();
  }
  ConfigOps& ops() { return ops_; }
  Notifier& notifier() { return notifier_; }

 private:
  Notifier notifier_;
  LifecycleSweep lifecycle_;
  ConfigOps ops_;
};

}  // namespace nimbus::services::s3
