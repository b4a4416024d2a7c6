//! `Errno`: the preview1 error codes, and how host errors become them.

use rustix::io::Errno as E;

/// A preview1 error code (`errno`), as the guest sees it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// `success`.
    Success = 0,
    /// `2big`.
    TooBig = 1,
    /// `acces`.
    Acces = 2,
    /// `addrinuse`.
    Addrinuse = 3,
    /// `addrnotavail`.
    Addrnotavail = 4,
    /// `afnosupport`.
    Afnosupport = 5,
    /// `again`.
    Again = 6,
    /// `already`.
    Already = 7,
    /// `badf`.
    Badf = 8,
    /// `badmsg`.
    Badmsg = 9,
    /// `busy`.
    Busy = 10,
    /// `canceled`.
    Canceled = 11,
    /// `child`.
    Child = 12,
    /// `connaborted`.
    Connaborted = 13,
    /// `connrefused`.
    Connrefused = 14,
    /// `connreset`.
    Connreset = 15,
    /// `deadlk`.
    Deadlk = 16,
    /// `destaddrreq`.
    Destaddrreq = 17,
    /// `dom`.
    Dom = 18,
    /// `dquot`.
    Dquot = 19,
    /// `exist`.
    Exist = 20,
    /// `fault`.
    Fault = 21,
    /// `fbig`.
    Fbig = 22,
    /// `hostunreach`.
    Hostunreach = 23,
    /// `idrm`.
    Idrm = 24,
    /// `ilseq`.
    Ilseq = 25,
    /// `inprogress`.
    Inprogress = 26,
    /// `intr`.
    Intr = 27,
    /// `inval`.
    Inval = 28,
    /// `io`.
    Io = 29,
    /// `isconn`.
    Isconn = 30,
    /// `isdir`.
    Isdir = 31,
    /// `loop`.
    Loop = 32,
    /// `mfile`.
    Mfile = 33,
    /// `mlink`.
    Mlink = 34,
    /// `msgsize`.
    Msgsize = 35,
    /// `multihop`.
    Multihop = 36,
    /// `nametoolong`.
    Nametoolong = 37,
    /// `netdown`.
    Netdown = 38,
    /// `netreset`.
    Netreset = 39,
    /// `netunreach`.
    Netunreach = 40,
    /// `nfile`.
    Nfile = 41,
    /// `nobufs`.
    Nobufs = 42,
    /// `nodev`.
    Nodev = 43,
    /// `noent`.
    Noent = 44,
    /// `noexec`.
    Noexec = 45,
    /// `nolck`.
    Nolck = 46,
    /// `nolink`.
    Nolink = 47,
    /// `nomem`.
    Nomem = 48,
    /// `nomsg`.
    Nomsg = 49,
    /// `noprotoopt`.
    Noprotoopt = 50,
    /// `nospc`.
    Nospc = 51,
    /// `nosys`.
    Nosys = 52,
    /// `notconn`.
    Notconn = 53,
    /// `notdir`.
    Notdir = 54,
    /// `notempty`.
    Notempty = 55,
    /// `notrecoverable`.
    Notrecoverable = 56,
    /// `notsock`.
    Notsock = 57,
    /// `notsup`.
    Notsup = 58,
    /// `notty`.
    Notty = 59,
    /// `nxio`.
    Nxio = 60,
    /// `overflow`.
    Overflow = 61,
    /// `ownerdead`.
    Ownerdead = 62,
    /// `perm`.
    Perm = 63,
    /// `pipe`.
    Pipe = 64,
    /// `proto`.
    Proto = 65,
    /// `protonosupport`.
    Protonosupport = 66,
    /// `prototype`.
    Prototype = 67,
    /// `range`.
    Range = 68,
    /// `rofs`.
    Rofs = 69,
    /// `spipe`.
    Spipe = 70,
    /// `srch`.
    Srch = 71,
    /// `stale`.
    Stale = 72,
    /// `timedout`.
    Timedout = 73,
    /// `txtbsy`.
    Txtbsy = 74,
    /// `xdev`.
    Xdev = 75,
    /// `notcapable`.
    Notcapable = 76,
}

impl Errno {
    /// The code as a function result.
    pub fn code(self) -> i32 {
        i32::from(self as u16)
    }
}

impl From<E> for Errno {
    fn from(errno: E) -> Self {
        #[allow(
            unreachable_patterns,
            reason = "some host error names share a number (EAGAIN/EWOULDBLOCK, ENOTSUP/EOPNOTSUPP)"
        )]
        match errno {
            E::TOOBIG => Self::TooBig,
            E::ACCESS => Self::Acces,
            E::ADDRINUSE => Self::Addrinuse,
            E::ADDRNOTAVAIL => Self::Addrnotavail,
            E::AFNOSUPPORT => Self::Afnosupport,
            E::AGAIN => Self::Again,
            E::ALREADY => Self::Already,
            E::BADF => Self::Badf,
            E::BADMSG => Self::Badmsg,
            E::BUSY => Self::Busy,
            E::CANCELED => Self::Canceled,
            E::CHILD => Self::Child,
            E::CONNABORTED => Self::Connaborted,
            E::CONNREFUSED => Self::Connrefused,
            E::CONNRESET => Self::Connreset,
            E::DEADLK => Self::Deadlk,
            E::DESTADDRREQ => Self::Destaddrreq,
            E::DOM => Self::Dom,
            E::DQUOT => Self::Dquot,
            E::EXIST => Self::Exist,
            E::FAULT => Self::Fault,
            E::FBIG => Self::Fbig,
            E::HOSTUNREACH => Self::Hostunreach,
            E::IDRM => Self::Idrm,
            E::ILSEQ => Self::Ilseq,
            E::INPROGRESS => Self::Inprogress,
            E::INTR => Self::Intr,
            E::INVAL => Self::Inval,
            E::IO => Self::Io,
            E::ISCONN => Self::Isconn,
            E::ISDIR => Self::Isdir,
            E::LOOP => Self::Loop,
            E::MFILE => Self::Mfile,
            E::MLINK => Self::Mlink,
            E::MSGSIZE => Self::Msgsize,
            E::MULTIHOP => Self::Multihop,
            E::NAMETOOLONG => Self::Nametoolong,
            E::NETDOWN => Self::Netdown,
            E::NETRESET => Self::Netreset,
            E::NETUNREACH => Self::Netunreach,
            E::NFILE => Self::Nfile,
            E::NOBUFS => Self::Nobufs,
            E::NODEV => Self::Nodev,
            E::NOENT => Self::Noent,
            E::NOEXEC => Self::Noexec,
            E::NOLCK => Self::Nolck,
            E::NOLINK => Self::Nolink,
            E::NOMEM => Self::Nomem,
            E::NOMSG => Self::Nomsg,
            E::NOPROTOOPT => Self::Noprotoopt,
            E::NOSPC => Self::Nospc,
            E::NOSYS => Self::Nosys,
            E::NOTCONN => Self::Notconn,
            E::NOTDIR => Self::Notdir,
            E::NOTEMPTY => Self::Notempty,
            E::NOTRECOVERABLE => Self::Notrecoverable,
            E::NOTSOCK => Self::Notsock,
            E::NOTSUP => Self::Notsup,
            E::NOTTY => Self::Notty,
            E::NXIO => Self::Nxio,
            E::OVERFLOW => Self::Overflow,
            E::OWNERDEAD => Self::Ownerdead,
            E::PERM => Self::Perm,
            E::PIPE => Self::Pipe,
            E::PROTO => Self::Proto,
            E::PROTONOSUPPORT => Self::Protonosupport,
            E::PROTOTYPE => Self::Prototype,
            E::RANGE => Self::Range,
            E::ROFS => Self::Rofs,
            E::SPIPE => Self::Spipe,
            E::SRCH => Self::Srch,
            E::STALE => Self::Stale,
            E::TIMEDOUT => Self::Timedout,
            E::TXTBSY => Self::Txtbsy,
            E::XDEV => Self::Xdev,
            E::WOULDBLOCK => Self::Again,
            E::OPNOTSUPP => Self::Notsup,
            _ => Self::Io,
        }
    }
}

impl From<std::io::Error> for Errno {
    fn from(error: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        if let Some(code) = error.raw_os_error() {
            return E::from_raw_os_error(code).into();
        }
        match error.kind() {
            K::NotFound => Self::Noent,
            K::PermissionDenied => Self::Perm,
            K::AlreadyExists => Self::Exist,
            K::InvalidInput => Self::Inval,
            K::WouldBlock => Self::Again,
            K::Unsupported => Self::Notsup,
            K::OutOfMemory => Self::Nomem,
            K::Interrupted => Self::Intr,
            K::BrokenPipe => Self::Pipe,
            K::NotADirectory => Self::Notdir,
            K::IsADirectory => Self::Isdir,
            K::DirectoryNotEmpty => Self::Notempty,
            K::InvalidFilename => Self::Nametoolong,
            K::CrossesDevices => Self::Xdev,
            _ => Self::Io,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_witx_numbering() {
        assert_eq!(Errno::Success.code(), 0);
        assert_eq!(Errno::Badf.code(), 8);
        assert_eq!(Errno::Fault.code(), 21);
        assert_eq!(Errno::Noent.code(), 44);
        assert_eq!(Errno::Notcapable.code(), 76);
    }

    #[test]
    fn host_errors_map_by_meaning() {
        let from_os = |code| Errno::from(std::io::Error::from_raw_os_error(code));
        assert_eq!(from_os(E::NOENT.raw_os_error()), Errno::Noent);
        assert_eq!(from_os(E::ACCESS.raw_os_error()), Errno::Acces);
        assert_eq!(from_os(E::LOOP.raw_os_error()), Errno::Loop);
        assert_eq!(from_os(E::XDEV.raw_os_error()), Errno::Xdev);
    }
}
