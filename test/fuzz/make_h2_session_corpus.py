#!/usr/bin/env python3
# Writes the seed corpus of fuzz_h2_session (test/fuzz/corpus/h2_session/): what a server says
# on an HTTP/2 connection, frame by frame (RFC 9113 section 6), with HPACK literals without
# Huffman coding (RFC 7541 6.2.2), so each seed can be read back by eye with a hex dump.
# Each seed begins with the fuzzer's two control bytes (see fuzz_h2_session.cpp).
#
#   python3 test/fuzz/make_h2_session_corpus.py    # rewrites the seeds
import os
import struct

DATA, HEADERS, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = \
    0, 1, 3, 4, 5, 6, 7, 8, 9
END_STREAM, ACK, END_HEADERS = 1, 1, 4


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):  # literal header field without indexing, new name
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def headers(stream, status, fields=(), end_stream=False):
    block = b"\x88" if status == b"200" else b"\x08" + bytes([len(status)]) + status
    for name, value in fields:
        block += literal(name, value)
    return frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream, block)


def body(stream, payload, end_stream=True):
    return frame(DATA, END_STREAM if end_stream else 0, stream, payload)


settings = frame(SETTINGS, 0, 0, struct.pack(">HI", 3, 100))  # MAX_CONCURRENT_STREAMS 100
settings_ack = frame(SETTINGS, ACK, 0)
preface = settings + settings_ack
json_fields = ((b"content-type", b"application/json"), (b"x-request-id", b"req_1"))
answer = b'{"id":"chatcmpl-1","object":"chat.completion"}'


def control(chunk, produce_first=True, every_chunk=True, ping=False, abandon_after=7,
            third=False, skip_last_produce=False):
    flags = (produce_first << 0) | (every_chunk << 1) | (ping << 2) | (abandon_after << 3)
    flags |= (third << 6) | (skip_last_produce << 7)
    return bytes([chunk, flags])


seeds = {
    "stream_1_answered": control(0) + preface + headers(1, b"200", json_fields) + body(1, answer),
    "both_answered_in_small_chunks": control(7) + preface + headers(1, b"200", json_fields)
    + body(1, answer) + headers(3, b"201") + frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 65535))
    + body(3, b"{}"),
    "interim_then_final": control(0) + preface + headers(1, b"103", ((b"link", b"</x>"),))
    + headers(1, b"200", json_fields) + body(1, answer),
    "refused_and_goaway": control(0, third=True) + preface + frame(RST_STREAM, 0, 3, struct.pack(">I", 7))
    + frame(GOAWAY, 0, 0, struct.pack(">II", 1, 0)) + headers(1, b"200", end_stream=True),
    "ping_answered_and_abandoned": control(16, ping=True, abandon_after=0) + preface
    + frame(PING, ACK, 0, bytes(8)) + headers(1, b"200", json_fields) + body(1, answer)
    + headers(3, b"200", json_fields) + body(3, answer),
    "body_over_the_limit": control(0) + preface + headers(1, b"200") + body(1, b"x" * 5000),
    "reset_internal_error": control(0) + preface
    + frame(RST_STREAM, 0, 1, struct.pack(">I", 2)) + headers(3, b"200", end_stream=True),
    "preface_before_the_requests": control(0, produce_first=False) + preface,
    "data_on_stream_0": control(0) + preface + frame(DATA, 0, 0, b"junk"),
    # The hostile frames of openai-mock's HTTP/2 faults (tools/openai-mock/hostile_frames.hpp).
    "continuation_flood": control(0) + preface + frame(HEADERS, 0, 3, b"\x88")
    + b"".join(frame(CONTINUATION, 0, 3, literal(b"x-flood", b"f" * 100)) for _ in range(12)),
    "push_promise": control(0) + preface
    + frame(PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) + b"\x82\x87\x84\x01\x09localhost"),
    "bad_hpack": control(0) + preface + frame(HEADERS, END_HEADERS, 1, b"\xff\x81\xff\xff\x03"),
    "oversized_frame": control(0) + preface + headers(1, b"200") + body(1, b"x" * 16385),
    "header_field_bomb": control(0) + preface
    + frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x88" + literal(b"a", b"") * 1200),
    "ping_flood": control(0) + preface + frame(PING, 0, 0, bytes(8)) * 150,
    "many_settings": control(0) + preface
    + frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", 0x100 + i, 0) for i in range(40))),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "h2_session")
os.makedirs(here, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(here, name + ".bin"), "wb") as f:
        f.write(data)
