// Gives a thread the name `top -H`, `perf` and gdb show for it, so that a profile says which
// part of the broker the time went to (threads otherwise inherit their creator's name).
#pragma once

#include <string>
#include <thread>

namespace gregor {

// Linux keeps the first 15 characters.
void name_thread(std::thread& thread, const std::string& name);

}  // namespace gregor
