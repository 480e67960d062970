#pragma once
// Namespace aliases for the Beast translation units (chat-multi's beast.hpp
// and net.hpp). Include only from .cpp files and Beast-private headers.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace hitd::gateway {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
} // namespace hitd::gateway
