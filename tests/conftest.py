"""Suite-wide guards: a run that tests nothing fails, and tests stay offline.

* ``pytest`` exits with ``ExitCode.NO_TESTS_COLLECTED`` (5) when a path, a
  ``-k`` expression or an import error leaves nothing to run; CI scripts that
  only check for a non-zero status can miss that. It is turned into a failure
  (exit 1) with a message.
* Stock MMAction2 configs point ``pretrained=`` / ``load_from`` at URLs, and
  the machines this runs on have no internet. Outgoing connections to
  anything but the local host raise an error naming the likely cause instead
  of hanging until a timeout. Set ``MMDSTS_TESTS_ALLOW_NETWORK=1`` to lift
  this guard.
"""
import ipaddress
import os
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX path or abstract socket
    host = address[0]
    if host in ('localhost', ''):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost


def _refuse(address):
    raise ConnectionRefusedError(
        f'tests must not use the network (connection to {address!r}); '
        'a config probably still points `pretrained=` / `load_from` at a '
        'URL: set it to None or a local file in the test. '
        '(MMDSTS_TESTS_ALLOW_NETWORK=1 disables this guard.)')


def _guarded_connect(self, address):
    if not _is_local(address):
        _refuse(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        _refuse(address)
    return _real_connect_ex(self, address)


def pytest_configure(config):
    if os.environ.get('MMDSTS_TESTS_ALLOW_NETWORK') != '1':
        socket.socket.connect = _guarded_connect
        socket.socket.connect_ex = _guarded_connect_ex


def pytest_unconfigure(config):
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin('terminalreporter')
        message = ('no tests were collected (wrong path, -k/-m expression '
                   'matching nothing, or an import error): failing the run '
                   'on purpose, see tests/conftest.py')
        if reporter is not None:
            reporter.write_line('ERROR: ' + message, red=True, bold=True)
        else:
            print('ERROR: ' + message)
