"""tools/course_hub/ports.py: server ports from outside the ephemeral range, one holder at a time."""
from __future__ import annotations

import socket

import pytest

import trial_hub  # noqa: F401  (loads tools/course_hub as socket_course_hub)
from socket_course_hub.ports import PortPool, bind_error, ephemeral_range, server_pool_range
from socket_course_hub.state import HubError


def write_range(tmp_path, text: str):
    path = tmp_path / "ip_local_port_range"
    path.write_text(text, encoding="ascii")
    return path


def test_the_pool_lies_just_below_the_ephemeral_range(tmp_path):
    """With Linux's default 32768-60999, the pool is the 2048 ports below 32768."""
    ephemeral = ephemeral_range(write_range(tmp_path, "32768\t60999\n"))
    assert ephemeral == range(32768, 61000)
    assert server_pool_range(ephemeral) == range(32768 - 2048, 32768)


def test_the_pool_goes_above_when_there_is_no_room_below(tmp_path):
    """An ephemeral range that starts near 1024 puts the pool just above its end."""
    assert server_pool_range(ephemeral_range(write_range(tmp_path, "2000 50000"))) == range(50001, 50001 + 2048)


def test_an_ephemeral_range_with_no_room_stops_the_hub(tmp_path):
    """A system that hands out every port for port 0 gets HubError naming the sysctl, not a racy default."""
    with pytest.raises(HubError, match="ip_local_port_range"):
        server_pool_range(ephemeral_range(write_range(tmp_path, "1024 65535")))
    with pytest.raises(HubError, match="two port numbers"):
        ephemeral_range(write_range(tmp_path, "many"))


def test_binds_to_port_zero_never_land_in_the_pool():
    """The premise: 200 binds to port 0 on this machine all get ports outside the pool."""
    pool = server_pool_range()
    sockets = [socket.socket() for _ in range(200)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        assert not [sock.getsockname()[1] for sock in sockets if sock.getsockname()[1] in pool]
    finally:
        for sock in sockets:
            sock.close()


def test_a_port_goes_to_one_holder_until_it_is_given_back():
    """Each take() is a different port; an empty pool raises HubError; give_back makes a port available."""
    pool = PortPool(free_run(3))
    taken = {pool.take() for _ in range(3)}
    assert taken == set(pool.ports)
    with pytest.raises(HubError, match="no free port left"):
        pool.take()
    pool.give_back(pool.ports[1])
    assert pool.take() == pool.ports[1]


def test_a_port_something_has_bound_is_skipped():
    """A port of the pool that another program listens on is never handed out."""
    ports = free_run(2)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports[0]))
        squatter.listen()
        pool = PortPool(ports)
        assert pool.take() == ports[1]
        with pytest.raises(HubError):
            pool.take()


def free_run(count: int) -> range:
    """``count`` consecutive ports of the server pool that are free now."""
    pool = server_pool_range()
    for start in range(pool.start, pool.stop - count):
        candidate = range(start, start + count)
        if all(bind_error(port) is None for port in candidate):
            return candidate
    raise AssertionError("no free run of ports in the pool")


def test_bind_error_says_why_a_port_is_taken():
    """bind_error() is None for a free port and the OSError (EADDRINUSE) for one that a socket holds."""
    import errno

    [port] = free_run(1)
    assert bind_error(port) is None
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        assert bind_error(port).errno == errno.EADDRINUSE
