#include "broker/observe/process_collector.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <sys/resource.h>

#include "broker/observe/families.h"

namespace herald::observe {
namespace {

// The fields of /proc/self/stat that the metrics use, in their units.
struct ProcessStat {
  double cpu_seconds = 0;
  double start_seconds_after_boot = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

std::optional<ProcessStat> ReadStat() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted
  // from after its closing one, which is field 3 (state).
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  for (int number = 3; fields >> field; ++number) {
    if (number == 14) utime = std::stod(field);
    if (number == 15) stime = std::stod(field);
    if (number == 22) start = std::stod(field);
    if (number == 23) vsize = std::stod(field);
    if (number == 24) {
      rss = std::stod(field);
      break;
    }
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ProcessStat{.cpu_seconds = (utime + stime) / ticks,
                     .start_seconds_after_boot = start / ticks,
                     .virtual_bytes = vsize,
                     .resident_bytes = rss * static_cast<double>(sysconf(_SC_PAGESIZE))};
}

// Seconds since the epoch at which the machine booted (`btime` of /proc/stat).
std::optional<double> BootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

double OpenFds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  Families out;
  if (std::optional<ProcessStat> stat = ReadStat()) {
    out.Counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.");
    out.Sample(stat->cpu_seconds);
    out.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
    out.Sample(stat->resident_bytes);
    out.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
    out.Sample(stat->virtual_bytes);
    if (std::optional<double> boot = BootTime()) {
      out.Gauge("process_start_time_seconds",
                "Start time of the process since the unix epoch, in seconds.");
      out.Sample(*boot + stat->start_seconds_after_boot);
    }
  }
  out.Gauge("process_open_fds", "Open file descriptors.");
  out.Sample(OpenFds());
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.Gauge("process_max_fds", "Most file descriptors the process may open.");
    out.Sample(static_cast<double>(limit.rlim_cur));
  }
  return out.Take();
}

}  // namespace herald::observe
