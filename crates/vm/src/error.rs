//! `Error`: the one error type an embedder's code returns through the runtime (a host
//! function's failure, a resource limiter's refusal by error) and the API reports. It is
//! defined here, below the API, so the vm's `ResourceLimiter` and libcalls carry the
//! embedder's own type rather than a second one converted at every boundary.

use core::fmt;

/// Any failure the API reports: a compile error, a link error, a trap, or an error a host
/// function returned. Use [`Error::downcast_ref`] to look inside, e.g. for a `tarn::Trap`.
pub struct Error {
    inner: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl Error {
    /// Wraps any error.
    pub fn new<E: std::error::Error + Send + Sync + 'static>(error: E) -> Self {
        Self {
            inner: Box::new(error),
        }
    }

    /// Wraps an already boxed error without boxing it again, so downcasting still finds
    /// the original type.
    pub fn from_boxed(error: Box<dyn std::error::Error + Send + Sync + 'static>) -> Self {
        Self { inner: error }
    }

    /// An error that is just a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::new(Message(message.to_string()))
    }

    /// Whether the error is an `E`.
    pub fn is<E: std::error::Error + 'static>(&self) -> bool {
        self.inner.is::<E>()
    }

    /// The error as an `E`, if it is one.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.inner.downcast_ref()
    }

    /// Unwraps the error as an `E`, or gives it back.
    ///
    /// # Errors
    ///
    /// `self`, unchanged, when it is not an `E`.
    pub fn downcast<E: std::error::Error + 'static>(self) -> Result<E, Self> {
        match self.inner.downcast::<E>() {
            Ok(e) => Ok(*e),
            Err(inner) => Err(Self { inner }),
        }
    }

    /// The error inside, as a `dyn Error` (for `source()` chains).
    pub fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.inner
    }

    /// Consumes the error, returning the boxed error inside.
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.inner
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Self::new(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// A plain message as an error.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}
