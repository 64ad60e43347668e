// ZooKeeper's path rules, checked by both MetadataStore backends before anything is done: the
// embedded tree relies on them, and the ZooKeeper backend must not hand the C client a path
// that std::string holds but a C string cannot (embedded NUL).
#pragma once

#include <string>
#include <string_view>

namespace gregor::cluster::metadata_internal {

// ZooKeeper's rules: absolute, no trailing '/', no empty, "." or ".." components, no NUL.
bool valid_path(std::string_view path);

// For a valid path other than "/": "/a/b" -> "/a", "/a" -> "/".
std::string parent_of(const std::string& path);
// For a valid path other than "/": "/a/b" -> "b".
std::string name_of(const std::string& path);

}  // namespace gregor::cluster::metadata_internal
