#include "common/plugin_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <system_error>
#include <thread>

#include "common/errno_text.h"

namespace bulkhead {
namespace {

constexpr const char* kContentType = "application/vnd.docker.plugins.v1.2+json";
constexpr size_t kWorkerThreads = 64;   // ReadLogs follow streams each hold one for their lifetime.
constexpr size_t kMaxBody = 16U << 20;  // AuthZ bodies are < 1 MiB before base64 and JSON framing.

void ReplyError(httplib::Response& response, int status, const std::string& message) {
  response.status = status;
  response.set_content(nlohmann::json{{"Err", message}}.dump(), kContentType);
}

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

nlohmann::json ParseRequestBody(const std::string& endpoint, const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw BadRequest(endpoint + ": request body is not valid JSON: " + e.what());
  }
}

std::string RequiredString(const nlohmann::json& request, const std::string& key) {
  auto it = request.find(key);
  if (it == request.end() || it->is_null()) throw BadRequest("missing field \"" + key + "\"");
  if (!it->is_string()) throw BadRequest("field \"" + key + "\" must be a string");
  std::string value = it->get<std::string>();
  if (value.empty()) throw BadRequest("field \"" + key + "\" must not be empty");
  return value;
}

std::string OptionalString(const nlohmann::json& request, const std::string& key) {
  auto it = request.find(key);
  if (it == request.end() || it->is_null()) return "";
  if (!it->is_string()) throw BadRequest("field \"" + key + "\" must be a string");
  return it->get<std::string>();
}

PluginServer::PluginServer(std::string socket_path)
    : socket_path_(std::move(socket_path)), http_(std::make_unique<httplib::Server>()) {
  http_->set_address_family(AF_UNIX);
  http_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http_->set_keep_alive_max_count(10000);
  http_->set_payload_max_length(kMaxBody);
  http_->set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    const std::string reason =
        response.status == 404 ? "no such endpoint" : "HTTP " + std::to_string(response.status);
    ReplyError(response, response.status, request.method + " " + request.path + ": " + reason);
  });
  Route("Plugin", "Activate", [this](const nlohmann::json&) {
    return nlohmann::json{{"Implements", implements_}};
  });
}

PluginServer::~PluginServer() = default;

void PluginServer::Implements(const std::string& activate_name) {
  implements_.insert(activate_name);
}

void PluginServer::Register(const std::string& endpoint, httplib::Server::Handler handler) {
  http_->Post("/" + endpoint, [endpoint, handler = std::move(handler)](
                                  const httplib::Request& request, httplib::Response& response) {
    const auto started = std::chrono::steady_clock::now();
    try {
      handler(request, response);
      if (response.status == -1) response.status = 200;  // httplib's "not set yet"
    } catch (const BadRequest& e) {
      ReplyError(response, 400, e.what());
    } catch (const std::exception& e) {
      ReplyError(response, 500, e.what());
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    if (response.status == 200) {
      spdlog::debug("{} -> 200 in {} us", endpoint, micros);
    } else {
      spdlog::warn("{} -> {} in {} us: {}", endpoint, response.status, micros, response.body);
    }
  });
}

void PluginServer::Route(const std::string& interface_name, const std::string& method,
                         JsonHandler handler) {
  const std::string endpoint = interface_name + "." + method;
  Register(endpoint, [endpoint, handler = std::move(handler)](const httplib::Request& request,
                                                              httplib::Response& response) {
    nlohmann::json reply = handler(ParseRequestBody(endpoint, request.body));
    if (reply.is_null()) reply = nlohmann::json::object();
    response.set_content(reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         kContentType);
  });
}

void PluginServer::StreamRoute(const std::string& interface_name, const std::string& method,
                               StreamHandler handler) {
  const std::string endpoint = interface_name + "." + method;
  Register(endpoint, [endpoint, handler = std::move(handler)](const httplib::Request& request,
                                                              httplib::Response& response) {
    handler(ParseRequestBody(endpoint, request.body), response);
  });
}

void PluginServer::Get(const std::string& path, const std::string& content_type,
                       std::function<std::string()> body) {
  http_->Get(path, [content_type, body = std::move(body)](const httplib::Request&,
                                                          httplib::Response& response) {
    response.set_content(body(), content_type);
  });
}

void PluginServer::Run() {
  run_started_ = true;
  struct MarkFinished {
    std::atomic<bool>& finished;
    ~MarkFinished() { finished = true; }
  } mark_finished{run_finished_};
  std::filesystem::create_directories(std::filesystem::path(socket_path_).parent_path());
  if (::unlink(socket_path_.c_str()) != 0 && errno != ENOENT) {
    throw std::system_error(errno, std::generic_category(),
                            "removing stale socket " + socket_path_);
  }
  if (!http_->bind_to_port(socket_path_, 80)) {
    throw std::runtime_error("cannot listen on unix socket " + socket_path_ + ": " +
                             ErrnoText(errno));
  }
  spdlog::info("listening on {}", socket_path_);
  http_->listen_after_bind();
  ::unlink(socket_path_.c_str());
  spdlog::info("stopped serving {}", socket_path_);
}

void BlockTerminationSignals() {
  sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void PluginServer::RunUntilSignal() {
  BlockTerminationSignals();
  run_started_ = true;  // a signal from now on must wait for Run() and stop it
  std::atomic<bool> done{false};
  std::thread waiter([this, &done] {
    const sigset_t signals = TerminationSignals();
    const timespec poll_interval{0, 200L * 1000 * 1000};
    while (!done) {
      const int signal_number = sigtimedwait(&signals, nullptr, &poll_interval);
      if (signal_number > 0) {
        spdlog::info("received signal {}, shutting down", signal_number);
        Stop();
        return;
      }
    }
  });
  struct JoinWaiter {
    std::atomic<bool>& done;
    std::thread& waiter;
    ~JoinWaiter() {
      done = true;
      waiter.join();
    }
  } join_waiter{done, waiter};
  Run();
}

void PluginServer::Stop() {
  if (!run_started_) return;
  // httplib ignores stop() until listening has begun, so wait for that (or for Run to end).
  while (!http_->is_running() && !run_finished_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  http_->stop();
}

}  // namespace bulkhead
