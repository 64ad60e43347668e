// Fresh temporary directories for tests and benchmarks (header-only: nothing here is linked into
// the broker). Under $TMPDIR, or /tmp.
//
//   TempDir dir("gregor-storage");            // removed with everything in it at scope exit
//   auto log = Log::open(dir / "orders-0", ...);
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace gregor {

// A new directory named <prefix>-XXXXXX; empty if it cannot be made. The caller removes it.
inline std::string make_temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  return ::mkdtemp(pattern.data()) ? pattern : std::string();
}

// make_temp_dir, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "gregor") : path_(make_temp_dir(prefix)) {}
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace gregor
