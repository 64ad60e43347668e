#include "common/thread_name.h"

#include <pthread.h>

namespace gregor {

void name_thread(std::thread& thread, const std::string& name) {
  ::pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

}  // namespace gregor
