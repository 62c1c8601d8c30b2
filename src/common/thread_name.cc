#include "common/thread_name.h"

#include <pthread.h>

#include <string>

namespace nimbus {

void set_thread_name(const char* name) {
  std::string n(name);
  if (n.size() > 15) n.resize(15);
  pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace nimbus
