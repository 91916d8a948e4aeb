// AuthZReq throughput and latency on the secrets plugin's socket, the way dockerd calls it:
// keep-alive HTTP/1.1 over the unix socket, THREADS clients in parallel, each sending
// REQUESTS / THREADS AuthZReq calls for a `POST /containers/create` whose body is BODY_FILE.
// Prints p50, p99 (microseconds) and requests per second.
// Usage: secrets_authz_bench SOCKET BODY_FILE REQUESTS THREADS
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "common/base64.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<double> RunClient(const std::string& socket, const std::string& request, int count) {
  httplib::Client client(socket);
  client.set_address_family(AF_UNIX);
  client.set_keep_alive(true);
  std::vector<double> micros;
  micros.reserve(count);
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    auto reply = client.Post("/AuthZPlugin.AuthZReq", request, "application/json");
    const auto elapsed = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (!reply || reply->status != 200) {
      std::cerr << "AuthZReq failed: " << (reply ? reply->body : httplib::to_string(reply.error()))
                << "\n";
      std::quick_exit(1);
    }
    micros.push_back(elapsed);
  }
  return micros;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: secrets_authz_bench SOCKET BODY_FILE REQUESTS THREADS\n";
    return 2;
  }
  std::ifstream body_file(argv[2]);
  std::stringstream body;
  body << body_file.rdbuf();
  const std::string request =
      nlohmann::json{{"RequestMethod", "POST"},
                     {"RequestUri", "/v1.41/containers/create?name=bench"},
                     {"RequestHeaders", {{"Content-Type", "application/json"}}},
                     {"RequestBody", bulkhead::Base64Encode(body.str())}}
          .dump();
  const int total = std::stoi(argv[3]);
  const int threads = std::stoi(argv[4]);
  std::vector<std::vector<double>> results(threads);
  std::vector<std::thread> clients;
  clients.reserve(threads);
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t)
    clients.emplace_back([&, t] { results[t] = RunClient(argv[1], request, total / threads); });
  for (auto& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& result : results) all.insert(all.end(), result.begin(), result.end());
  std::sort(all.begin(), all.end());
  std::cout << "p50_us=" << all[all.size() / 2] << " p99_us=" << all[all.size() * 99 / 100]
            << " requests_per_s=" << static_cast<long>(static_cast<double>(all.size()) / seconds)
            << "\n";
  return 0;
}
