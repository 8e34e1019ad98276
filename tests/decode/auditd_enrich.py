"""auditd 3.0.9's ENRICHED part of one record, computed the way auditd
computes it: format_enrich() in audit-userspace's src/auditd-event.c, ported
line for line, asking the installed libauparse (the library auditd itself
links) for each field's type and interpretation. An oracle independent of
needle's C code; the names it gives are this machine's, like needle's.

    enrich(raw_line: bytes) -> bytes   the part after the RAW line
                                       (0x1d and the fields), b"" when none
"""
import ctypes, ctypes.util

_lib = ctypes.CDLL(ctypes.util.find_library("auparse") or "libauparse.so.0")
_lib.auparse_init.restype = ctypes.c_void_p
_lib.auparse_init.argtypes = [ctypes.c_int, ctypes.c_void_p]
_lib.auparse_set_escape_mode.argtypes = [ctypes.c_void_p, ctypes.c_int]
for _f in ("auparse_first_record", "auparse_next_field", "auparse_get_field_type",
           "auparse_get_type"):
    getattr(_lib, _f).argtypes = [ctypes.c_void_p]
    getattr(_lib, _f).restype = ctypes.c_int
for _f in ("auparse_get_field_name", "auparse_interpret_field"):
    getattr(_lib, _f).argtypes = [ctypes.c_void_p]
    getattr(_lib, _f).restype = ctypes.c_char_p
_lib.auparse_destroy.argtypes = [ctypes.c_void_p]
_lib.audit_encode_nv_string.restype = ctypes.c_void_p
_lib.audit_encode_nv_string.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]

AUSOURCE_BUFFER, AUPARSE_ESC_RAW = 3, 0
UID, GID, SYSCALL, ARCH, SOCKADDR = 1, 2, 3, 4, 9
FORMAT_BUF_LEN = 8970 + 255  # MAX_AUDIT_MESSAGE_LENGTH + _POSIX_HOST_NAME_MAX
MIN_SPACE_LEFT = 24


def _encode_nv(name, value):
    p = _lib.audit_encode_nv_string(name, value, len(value))
    s = ctypes.string_at(p)
    _libc.free(p)
    return s


def enrich(raw_line):
    """raw_line: one RAW line as auditd writes it, without its newline."""
    mlen = len(raw_line)
    left = FORMAT_BUF_LEN - mlen
    if left <= MIN_SPACE_LEFT:
        return b""
    buf = ctypes.create_string_buffer(raw_line + b"\n")
    au = _lib.auparse_init(AUSOURCE_BUFFER, ctypes.addressof(buf))
    if not au:
        return b""
    _lib.auparse_set_escape_mode(au, AUPARSE_ESC_RAW)
    out, sep_done = bytearray(), 0
    rc = _lib.auparse_first_record(au)
    while rc > 0 and left > MIN_SPACE_LEFT:
        t = _lib.auparse_get_field_type(au)
        if t in (UID, GID, SYSCALL, ARCH, SOCKADDR):
            # add_separator()
            if sep_done == 0:
                out += b"\x1d"
                left -= 1
            sep_done += 1
            # add_simple_field()
            name = _lib.auparse_get_field_name(au)[:63].upper()
            value = _lib.auparse_interpret_field(au)
            if value is None:
                value = b"?"
            if t in (UID, GID):
                field = _encode_nv(name, value)
            else:
                field = name + b"=" + value
            tlen = 1 + len(field) + 1
            if tlen < left:
                piece = (b" " if sep_done > 1 else b"") + field
                out += piece
                left -= len(piece)
        rc = _lib.auparse_next_field(au)
    _lib.auparse_destroy(au)
    return bytes(out)
