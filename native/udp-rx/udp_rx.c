/*
 * homesec's native UDP receiver (Linux): reads many datagrams per system call (recvmmsg)
 * straight into the receive thread's batch buffers, so no JavaScript runs per datagram.
 *
 * Rules:
 * - One receiver = one socket, used by the one thread that opened it (the flow receive
 *   worker). Nothing here parses flow data: datagrams are copied, byte for byte.
 * - rx_recv() never blocks (MSG_DONTWAIT); rx_wait() blocks in poll() for at most the
 *   timeout it is given.
 * - Batch layout, per datagram (identical to receive-worker.ts): u32 length, u16 index into
 *   the batch's exporter table, u16 zero, the bytes, padding to a multiple of 4.
 *   A batch starts when rx_recv() is called with used == 0; its exporter table (the
 *   distinct source addresses in it, at most MAX_EXPORTERS) is read with rx_exporters().
 * - A datagram that does not fit the batch stays received but pending, and goes first into
 *   the next batch: nothing is lost between batches. With no batch (null), datagrams are
 *   read and dropped, and counted as dropped; so is one larger than a whole batch.
 * - Exporters are told apart by address and IPv6 scope: a link-local sender is written
 *   "fe80::1%eth0", as Node's dgram writes it.
 * - Memory is fixed at open: VLEN scratch slots of 64 KiB. The socket is closed by close(),
 *   by the handle's finalizer, or when the thread's environment ends, whichever comes first.
 */
#define _GNU_SOURCE /* recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <node_api.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#define VLEN 64
#define SLOT_BYTES 65536
#define MAX_EXPORTERS 256
#define RECORD_HEADER 8

typedef struct {
  int fd;
  unsigned char *scratch;
  struct mmsghdr msgs[VLEN];
  struct iovec iov[VLEN];
  struct sockaddr_storage addrs[VLEN];
  /* received datagrams not yet copied out: indexes next..count-1 */
  int count;
  int next;
  /* the current batch's exporters: 16-byte address (IPv4 as IPv4-mapped) + 4-byte IPv6 scope id */
  int exporters;
  unsigned char exporter[MAX_EXPORTERS][20];
} Receiver;

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "udp_rx: N-API call failed: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static void close_receiver(Receiver *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  free(r->scratch);
  r->scratch = NULL;
}

/* The thread's environment is going away (a worker that ends or dies): close the socket, so
   a receive thread started after it can bind the port again. */
static void env_cleanup(void *arg) {
  close_receiver((Receiver *)arg);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Receiver *r = data;
  napi_remove_env_cleanup_hook(env, env_cleanup, r);
  close_receiver(r);
  free(r);
}

/* The errno name Node would print (portable: glibc's strerrorname_np is not in musl). */
static const char *errno_name(int err) {
  switch (err) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    default: return NULL;
  }
}

static napi_value throw_errno(napi_env env, const char *syscall, int err, const char *host, int port) {
  char msg[300];
  const char *code = errno_name(err);
  snprintf(msg, sizeof msg, "%s %s %s:%d (%s)", syscall, code ? code : "E?", host, port, strerror(err));
  napi_value m, c, e;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_string_utf8(env, code ? code : "EUNKNOWN", NAPI_AUTO_LENGTH, &c);
  napi_create_error(env, c, m, &e);
  napi_throw(env, e);
  return NULL;
}

static Receiver *get_receiver(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "udp_rx: not a receiver");
    return NULL;
  }
  Receiver *r = data;
  if (r->fd < 0) {
    napi_throw_error(env, NULL, "udp_rx: receiver is closed");
    return NULL;
  }
  return r;
}

static void set_prop_str(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_prop_num(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

/*
 * Text of an exporter key (16-byte address + scope id) as Node's dgram gives it: IPv4-mapped
 * addresses as IPv4, a scoped (link-local) IPv6 address with "%" and its interface name (or
 * number), so two link-local exporters on different interfaces stay apart.
 */
static void address_text(const unsigned char a[20], char *out, size_t size) {
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(a, mapped, 12) == 0) {
    inet_ntop(AF_INET, a + 12, out, size);
    return;
  }
  inet_ntop(AF_INET6, a, out, size);
  uint32_t scope;
  memcpy(&scope, a + 16, 4);
  if (scope == 0) return;
  char name[IF_NAMESIZE];
  size_t n = strlen(out);
  if (if_indextoname(scope, name) != NULL) snprintf(out + n, size - n, "%%%s", name);
  else snprintf(out + n, size - n, "%%%u", scope);
}

/* open(host: numeric IPv4/IPv6 text, port, receiveBufferBytes) -> { handle, address, port, family, receiveBuffer } */
static napi_value rx_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[256];
  size_t hostLen = 0;
  int32_t port = 0;
  double rcvbufAsked = 0;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], host, sizeof host, &hostLen) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || napi_get_value_double(env, argv[2], &rcvbufAsked) != napi_ok ||
      port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "udp_rx.open(host, port, receiveBufferBytes)");
    return NULL;
  }
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = strchr(host, ':') ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST; /* never a name look-up */
  char portText[8];
  snprintf(portText, sizeof portText, "%d", port);
  int gai = getaddrinfo(host, portText, &hints, &res);
  if (gai != 0 || res == NULL) {
    char msg[320];
    snprintf(msg, sizeof msg, "not a numeric IP address: %s (%s)", host, gai_strerror(gai));
    napi_value m, c, e;
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
    napi_create_string_utf8(env, "EINVAL", NAPI_AUTO_LENGTH, &c);
    napi_create_error(env, c, m, &e);
    napi_throw(env, e);
    return NULL;
  }
  int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    freeaddrinfo(res);
    return throw_errno(env, "socket", err, host, port);
  }
  if (res->ai_family == AF_INET6) {
    int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  /* the kernel caps it at net.core.rmem_max; a request beyond int is asked as INT_MAX */
  int rcvbuf = rcvbufAsked >= (double)INT_MAX ? INT_MAX : rcvbufAsked > 0 ? (int)rcvbufAsked : 0;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
    int err = errno;
    freeaddrinfo(res);
    close(fd);
    return throw_errno(env, "bind", err, host, port);
  }
  freeaddrinfo(res);

  struct sockaddr_storage bound;
  socklen_t boundLen = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &boundLen);
  char addrText[INET6_ADDRSTRLEN] = "";
  int boundPort = 0;
  const char *family = "IPv4";
  if (bound.ss_family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&bound;
    inet_ntop(AF_INET6, &s6->sin6_addr, addrText, sizeof addrText);
    boundPort = ntohs(s6->sin6_port);
    family = "IPv6";
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&bound;
    inet_ntop(AF_INET, &s4->sin_addr, addrText, sizeof addrText);
    boundPort = ntohs(s4->sin_port);
  }
  int actual = 0;
  socklen_t actualLen = sizeof actual;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &actualLen);

  Receiver *r = calloc(1, sizeof *r);
  unsigned char *scratch = malloc((size_t)VLEN * SLOT_BYTES);
  if (r == NULL || scratch == NULL) {
    free(r);
    free(scratch);
    close(fd);
    napi_throw_error(env, "ENOMEM", "udp_rx: out of memory");
    return NULL;
  }
  r->fd = fd;
  r->scratch = scratch;
  for (int i = 0; i < VLEN; i++) {
    r->iov[i].iov_base = scratch + (size_t)i * SLOT_BYTES;
    r->iov[i].iov_len = SLOT_BYTES;
  }

  napi_value obj, handle;
  if (napi_create_object(env, &obj) != napi_ok || napi_create_external(env, r, finalize, NULL, &handle) != napi_ok) {
    close_receiver(r);
    free(r);
    napi_throw_error(env, NULL, "udp_rx: could not create the receiver object");
    return NULL;
  }
  napi_add_env_cleanup_hook(env, env_cleanup, r);
  napi_set_named_property(env, obj, "handle", handle);
  set_prop_str(env, obj, "address", addrText);
  set_prop_num(env, obj, "port", boundPort);
  set_prop_str(env, obj, "family", family);
  set_prop_num(env, obj, "receiveBuffer", actual);
  return obj;
}

/*
 * wait(handle, timeoutMs, sleep) -> true when the socket has a datagram (or one is pending here).
 * With sleep false it returns as soon as a datagram arrives; with sleep true it sleeps the
 * whole timeout first, so datagrams gather in the socket buffer and the next recv() takes
 * many per system call (the caller's choice while its batch waits anyway).
 */
static napi_value rx_wait(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Receiver *r = get_receiver(env, argv[0]);
  if (r == NULL) return NULL;
  int32_t timeout = 0;
  napi_get_value_int32(env, argv[1], &timeout);
  bool sleepFirst = false;
  if (argc >= 3) napi_get_value_bool(env, argv[2], &sleepFirst);
  int ready = r->next < r->count;
  if (!ready && sleepFirst && timeout > 0) {
    struct timespec ts = {.tv_sec = timeout / 1000, .tv_nsec = (long)(timeout % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    timeout = 0;
  }
  if (!ready) {
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    int n = poll(&p, 1, timeout < 0 ? 0 : timeout);
    ready = n > 0 && (p.revents & (POLLIN | POLLERR)) != 0;
  }
  napi_value out;
  napi_get_boolean(env, ready, &out);
  return out;
}

/* Reads what the socket holds into the scratch slots; returns the count or -errno (EAGAIN -> 0). */
static int fill_scratch(Receiver *r) {
  for (int i = 0; i < VLEN; i++) {
    memset(&r->msgs[i].msg_hdr, 0, sizeof r->msgs[i].msg_hdr);
    r->msgs[i].msg_hdr.msg_iov = &r->iov[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    r->msgs[i].msg_hdr.msg_name = &r->addrs[i];
    r->msgs[i].msg_hdr.msg_namelen = sizeof r->addrs[i];
  }
  int n;
  do n = recvmmsg(r->fd, r->msgs, VLEN, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  r->count = n;
  r->next = 0;
  return n;
}

/* The exporter key of scratch slot i: 16-byte address (IPv4 as IPv4-mapped) + scope id. */
static void slot_address(Receiver *r, int i, unsigned char out[20]) {
  const struct sockaddr_storage *sa = &r->addrs[i];
  uint32_t scope = 0;
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    memcpy(out, &s6->sin6_addr, 16);
    scope = s6->sin6_scope_id;
  } else {
    memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  }
  memcpy(out + 16, &scope, 4);
}

/*
 * recv(handle, batch: ArrayBuffer | null, used, out: Int32Array(4)) -> undefined
 * Copies received datagrams into batch from offset `used` until the socket is empty or the
 * batch is full. out = [used after, datagrams added, datagrams dropped, status] where
 * status is 0 (socket empty), 1 (batch full: a datagram is pending) or -errno.
 */
static napi_value rx_recv(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Receiver *r = get_receiver(env, argv[0]);
  if (r == NULL) return NULL;
  unsigned char *batch = NULL;
  size_t batchLen = 0;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_null && t != napi_undefined) {
    void *data = NULL;
    if (napi_get_arraybuffer_info(env, argv[1], &data, &batchLen) != napi_ok) {
      napi_throw_type_error(env, NULL, "udp_rx.recv: batch must be an ArrayBuffer or null");
      return NULL;
    }
    batch = data;
  }
  int32_t used = 0;
  napi_get_value_int32(env, argv[2], &used);
  napi_typedarray_type at;
  size_t outLen = 0;
  void *outData = NULL;
  if (napi_get_typedarray_info(env, argv[3], &at, &outLen, &outData, NULL, NULL) != napi_ok || at != napi_int32_array || outLen < 4) {
    napi_throw_type_error(env, NULL, "udp_rx.recv: out must be an Int32Array of 4");
    return NULL;
  }
  int32_t *out = outData;
  if (used < 0 || (size_t)used > batchLen) used = 0;
  if (batch != NULL && used == 0) r->exporters = 0;
  int added = 0, dropped = 0, status = 0;
  for (;;) {
    if (r->next >= r->count) {
      int n = fill_scratch(r);
      if (n <= 0) {
        status = n;
        break;
      }
    }
    int i = r->next;
    size_t len = r->msgs[i].msg_len;
    if (batch == NULL) {
      dropped++;
      r->next++;
      continue;
    }
    size_t need = RECORD_HEADER + ((len + 3) & ~(size_t)3);
    if (need > batchLen) {
      /* larger than a whole batch: it can never fit, drop it now (counted) */
      dropped++;
      r->next++;
      continue;
    }
    if ((size_t)used + need > batchLen) {
      status = 1;
      break;
    }
    unsigned char a[20];
    slot_address(r, i, a);
    int ex = -1;
    for (int k = r->exporters - 1; k >= 0; k--) {
      if (memcmp(r->exporter[k], a, 20) == 0) {
        ex = k;
        break;
      }
    }
    if (ex < 0) {
      if (r->exporters >= MAX_EXPORTERS) {
        status = 1;
        break;
      }
      ex = r->exporters++;
      memcpy(r->exporter[ex], a, 20);
    }
    unsigned char *p = batch + used;
    uint32_t len32 = (uint32_t)len;
    memcpy(p, &len32, 4); /* little-endian host (x86-64, arm64) as receive-worker.ts reads it */
    p[4] = (unsigned char)(ex & 0xff);
    p[5] = (unsigned char)(ex >> 8);
    p[6] = 0;
    p[7] = 0;
    memcpy(p + RECORD_HEADER, r->iov[i].iov_base, len);
    memset(p + RECORD_HEADER + len, 0, need - RECORD_HEADER - len);
    used += (int32_t)need;
    added++;
    r->next++;
  }
  out[0] = used;
  out[1] = added;
  out[2] = dropped;
  out[3] = status;
  return NULL;
}

/* exporters(handle) -> the current batch's exporter addresses as text, in index order */
static napi_value rx_exporters(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Receiver *r = get_receiver(env, argv[0]);
  if (r == NULL) return NULL;
  napi_value arr;
  CHECK(napi_create_array_with_length(env, (size_t)r->exporters, &arr));
  for (int k = 0; k < r->exporters; k++) {
    char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 12];
    address_text(r->exporter[k], text, sizeof text);
    napi_value s;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, (uint32_t)k, s);
  }
  return arr;
}

/* close(handle): closes the socket now (idempotent); the memory goes with the handle. */
static napi_value rx_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) == napi_ok && data != NULL) close_receiver((Receiver *)data);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, rx_open, NULL, NULL, NULL, napi_default, NULL},
      {"wait", NULL, rx_wait, NULL, NULL, NULL, napi_default, NULL},
      {"recv", NULL, rx_recv, NULL, NULL, NULL, napi_default, NULL},
      {"exporters", NULL, rx_exporters, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, rx_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
