#pragma once
// engine_port: the engine calls the feed makes, as an interface. The server
// passes engine_adapter (over a real hitd::engine); tests do too, with an
// in-memory engine on a manual clock. Every call is asynchronous and answers
// exactly once on some thread (an engine thread, or the caller's when the
// engine refuses at once): never hold a lock a callback takes while calling.

#include <cstdint>
#include <functional>
#include <string>

#include "hitd/engine.hpp"

namespace hitd::gateway {

class engine_port {
public:
  virtual ~engine_port() = default;
  // Events from now on, in seq order, one at a time (engine::subscribe).
  virtual uint64_t subscribe(std::function<void(const event&)> fn) = 0;
  virtual void unsubscribe(uint64_t id) = 0;
  virtual uint64_t last_event_seq() const = 0;
  virtual timestamp now() const = 0;

  virtual void list_available_hits(page_request page, callback<hitd::page<hit_view>> cb) = 0;
  virtual void worker_credentials_of(std::string worker_id, callback<worker_credentials> cb) = 0;
  // A HIT as its requester sees it (the preview reads its question).
  virtual void get_hit(std::string requester_id, std::string hit_id, callback<hit_view> cb) = 0;
  virtual void accept(accept_request req, callback<assignment_view> cb) = 0;
  virtual void submit(submit_request req, callback<done> cb) = 0;
  virtual void return_assignment(std::string worker_id, std::string assignment_id, callback<done> cb) = 0;
  virtual void dashboard(std::string worker_id, callback<worker_dashboard> cb) = 0;
  virtual void assignments_in_progress(std::string worker_id, callback<worker_assignments> cb) = 0;
  virtual void withdraw(std::string worker_id, money amount, std::string idempotency_key, callback<money> cb) = 0;
  virtual void request_qualification(std::string worker_id, std::string qualification_type_id, std::string answer,
                                     callback<qualification_request_outcome> cb) = 0;
};

// The port over a hitd::engine, which must outlive it.
class engine_adapter final : public engine_port {
public:
  explicit engine_adapter(engine& e) : engine_(e) {}
  uint64_t subscribe(std::function<void(const event&)> fn) override;
  void unsubscribe(uint64_t id) override;
  uint64_t last_event_seq() const override;
  timestamp now() const override;
  void list_available_hits(page_request page, callback<hitd::page<hit_view>> cb) override;
  void worker_credentials_of(std::string worker_id, callback<worker_credentials> cb) override;
  void get_hit(std::string requester_id, std::string hit_id, callback<hit_view> cb) override;
  void accept(accept_request req, callback<assignment_view> cb) override;
  void submit(submit_request req, callback<done> cb) override;
  void return_assignment(std::string worker_id, std::string assignment_id, callback<done> cb) override;
  void dashboard(std::string worker_id, callback<worker_dashboard> cb) override;
  void assignments_in_progress(std::string worker_id, callback<worker_assignments> cb) override;
  void withdraw(std::string worker_id, money amount, std::string idempotency_key, callback<money> cb) override;
  void request_qualification(std::string worker_id, std::string qualification_type_id, std::string answer,
                             callback<qualification_request_outcome> cb) override;

private:
  engine& engine_;
};

} // namespace hitd::gateway
