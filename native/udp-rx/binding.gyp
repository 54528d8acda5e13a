{
  "targets": [
    {
      "target_name": "udp_rx",
      "sources": ["udp_rx.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
