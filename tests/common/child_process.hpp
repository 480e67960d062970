#pragma once
// A child process for tests that run a real executable (hitd, hitd-load,
// node, python3): its stdout is a pipe the test reads with a deadline; it is
// SIGKILLed if still running when the object is destroyed. Every wait is
// bounded.

#include <chrono>
#include <csignal>
#include <optional>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hitd::test {

enum class stderr_to { null, inherit, stdout_pipe, file };
struct child_options {
  stderr_to err = stderr_to::null;
  std::string stderr_file;                     // with stderr_to::file
  std::vector<std::string> environment;        // empty: the test's own
};

class child_process {
public:
  using clock = std::chrono::steady_clock;
  using options = child_options;

  // argv[0] is the executable's path.
  explicit child_process(std::vector<std::string> argv, options o = {}) {
    int fds[2];
    if (argv.empty() || pipe2(fds, O_CLOEXEC) != 0)
      return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      switch (o.err) {
        case stderr_to::null: {
          int null = open("/dev/null", O_WRONLY);
          if (null >= 0)
            dup2(null, 2);
          break;
        }
        case stderr_to::inherit: break;
        case stderr_to::stdout_pipe: dup2(fds[1], 2); break;
        case stderr_to::file: {
          int f = open(o.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
          if (f >= 0)
            dup2(f, 2);
          break;
        }
      }
      std::vector<char*> args, envp;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      if (o.environment.empty()) {
        execv(args[0], args.data());
      } else {
        for (auto& e : o.environment)
          envp.push_back(e.data());
        envp.push_back(nullptr);
        execve(args[0], args.data(), envp.data());
      }
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~child_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0)
      close(out_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0; }

  // Reads stdout until `marker` is in what was read, EOF or the deadline;
  // returns everything read so far.
  const std::string& read_until(const std::string& marker, clock::time_point deadline) {
    while (!eof_ && out_ >= 0 && output_.find(marker) == std::string::npos && clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0)
        continue;
      char buf[4096];
      auto n = read(out_, buf, sizeof buf);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      output_.append(buf, static_cast<size_t>(n));
    }
    return output_;
  }
  const std::string& read_until(const std::string& marker, std::chrono::seconds limit = std::chrono::seconds(60)) {
    return read_until(marker, clock::now() + limit);
  }
  // Everything until EOF (or the deadline).
  const std::string& read_all(clock::time_point deadline) { return read_until("\x01never", deadline); }

  // The next line of stdout not yet returned by line() (the last one may be
  // unterminated), or nothing at EOF or when the deadline passes.
  std::optional<std::string> line(clock::time_point deadline) {
    while (true) {
      if (auto nl = output_.find('\n', line_pos_); nl != std::string::npos) {
        auto l = output_.substr(line_pos_, nl - line_pos_);
        line_pos_ = nl + 1;
        return l;
      }
      if (eof_ && line_pos_ < output_.size()) {
        auto l = output_.substr(line_pos_);
        line_pos_ = output_.size();
        return l;
      }
      if (eof_ || out_ < 0 || clock::now() >= deadline)
        return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0)
        continue;
      char buf[4096];
      auto n = read(out_, buf, sizeof buf);
      if (n <= 0)
        eof_ = true;
      else
        output_.append(buf, static_cast<size_t>(n));
    }
  }

  // The exit code (128 + the signal when killed by one), or -1 when it has
  // not exited by the deadline.
  int wait(clock::time_point deadline) {
    if (pid_ <= 0)
      return -1;
    while (true) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      if (clock::now() >= deadline)
        return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  int wait(std::chrono::seconds limit = std::chrono::seconds(60)) { return wait(clock::now() + limit); }

  void signal(int sig) {
    if (pid_ > 0 && !exited_)
      kill(pid_, sig);
  }
  const std::string& output() const { return output_; }

private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  bool eof_ = false;
  std::string output_;
  size_t line_pos_ = 0;   // where line() goes on
};

} // namespace hitd::test
