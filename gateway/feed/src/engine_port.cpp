#include "hitd/gateway/feed/engine_port.hpp"

#include <utility>

namespace hitd::gateway {

uint64_t engine_adapter::subscribe(std::function<void(const event&)> fn) { return engine_.subscribe(std::move(fn)); }
void engine_adapter::unsubscribe(uint64_t id) { engine_.unsubscribe(id); }
uint64_t engine_adapter::last_event_seq() const { return engine_.last_event_seq(); }
timestamp engine_adapter::now() const { return engine_.now(); }

void engine_adapter::list_available_hits(page_request page, callback<hitd::page<hit_view>> cb) {
  engine_.list_available_hits(std::move(page), std::move(cb));
}
void engine_adapter::worker_credentials_of(std::string worker_id, callback<worker_credentials> cb) {
  engine_.worker_credentials_of(std::move(worker_id), std::move(cb));
}
void engine_adapter::get_hit(std::string requester_id, std::string hit_id, callback<hit_view> cb) {
  engine_.get_hit(std::move(requester_id), std::move(hit_id), std::move(cb));
}
void engine_adapter::accept(accept_request req, callback<assignment_view> cb) { engine_.accept(std::move(req), std::move(cb)); }
void engine_adapter::submit(submit_request req, callback<done> cb) { engine_.submit(std::move(req), std::move(cb)); }
void engine_adapter::return_assignment(std::string worker_id, std::string assignment_id, callback<done> cb) {
  engine_.return_assignment(std::move(worker_id), std::move(assignment_id), std::move(cb));
}
void engine_adapter::dashboard(std::string worker_id, callback<worker_dashboard> cb) {
  engine_.dashboard(std::move(worker_id), std::move(cb));
}
void engine_adapter::assignments_in_progress(std::string worker_id, callback<worker_assignments> cb) {
  engine_.assignments_in_progress(std::move(worker_id), std::move(cb));
}
void engine_adapter::request_qualification(std::string worker_id, std::string qualification_type_id,
                                           std::string answer, callback<qualification_request_outcome> cb) {
  engine_.request_qualification(std::move(worker_id), std::move(qualification_type_id), std::move(answer),
                                std::move(cb));
}

void engine_adapter::withdraw(std::string worker_id, money amount, std::string idempotency_key, callback<money> cb) {
  engine_.withdraw(std::move(worker_id), amount, std::move(idempotency_key), std::move(cb));
}

} // namespace hitd::gateway
