//! `ConstExpr`: the constant expressions that initialise globals and give segment offsets
//! and element items. The vm evaluates them at instantiation.

use core::fmt;

use crate::error::CompileError;
use crate::types::{RefType, convert};
use crate::{FuncIndex, GlobalIndex};

/// One operator of a constant expression.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConstOp {
    /// Pushes an `i32`.
    I32Const(i32),
    /// Pushes an `i64`.
    I64Const(i64),
    /// Pushes an `f32`, as its bits.
    F32Const(u32),
    /// Pushes an `f64`, as its bits.
    F64Const(u64),
    /// Pushes a `v128`.
    V128Const(u128),
    /// Pushes a null reference of the given type.
    RefNull(RefType),
    /// Pushes a reference to a function.
    RefFunc(FuncIndex),
    /// Pushes the value of an immutable global (imported, or defined earlier).
    GlobalGet(GlobalIndex),
    /// Pops two `i32`s and pushes their wrapping sum (extended constants).
    I32Add,
    /// Pops two `i32`s and pushes their wrapping difference.
    I32Sub,
    /// Pops two `i32`s and pushes their wrapping product.
    I32Mul,
    /// Pops two `i64`s and pushes their wrapping sum.
    I64Add,
    /// Pops two `i64`s and pushes their wrapping difference.
    I64Sub,
    /// Pops two `i64`s and pushes their wrapping product.
    I64Mul,
}

impl fmt::Display for ConstOp {
    /// The operator in the text format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I32Const(v) => write!(f, "i32.const {v}"),
            Self::I64Const(v) => write!(f, "i64.const {v}"),
            Self::F32Const(bits) => write!(f, "f32.const {}", f32::from_bits(*bits)),
            Self::F64Const(bits) => write!(f, "f64.const {}", f64::from_bits(*bits)),
            Self::V128Const(v) => write!(f, "v128.const {v:#034x}"),
            Self::RefNull(ty) => write!(f, "ref.null {ty}"),
            Self::RefFunc(func) => write!(f, "ref.func {func}"),
            Self::GlobalGet(global) => write!(f, "global.get {global}"),
            Self::I32Add => f.write_str("i32.add"),
            Self::I32Sub => f.write_str("i32.sub"),
            Self::I32Mul => f.write_str("i32.mul"),
            Self::I64Add => f.write_str("i64.add"),
            Self::I64Sub => f.write_str("i64.sub"),
            Self::I64Mul => f.write_str("i64.mul"),
        }
    }
}

/// A validated constant expression: a short stack program that leaves one value.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConstExpr {
    ops: Box<[ConstOp]>,
}

impl ConstExpr {
    /// An expression of the given operators.
    pub fn new(ops: impl IntoIterator<Item = ConstOp>) -> Self {
        Self {
            ops: ops.into_iter().collect(),
        }
    }

    /// The operators, in order.
    pub fn ops(&self) -> &[ConstOp] {
        &self.ops
    }

    /// The single operator, when the expression is just one (as all Wasm 2.0 ones are).
    pub fn as_single(&self) -> Option<ConstOp> {
        match *self.ops {
            [op] => Some(op),
            _ => None,
        }
    }

    /// Every function the expression references with `ref.func`.
    pub fn referenced_funcs(&self) -> impl Iterator<Item = FuncIndex> + '_ {
        self.ops.iter().filter_map(|op| match op {
            ConstOp::RefFunc(f) => Some(*f),
            _ => None,
        })
    }

    /// Converts wasmparser's expression; validation has already checked it.
    pub(crate) fn from_wasmparser(expr: &wasmparser::ConstExpr<'_>) -> Result<Self, CompileError> {
        let mut reader = expr.get_operators_reader();
        let mut ops = Vec::with_capacity(1);
        loop {
            let offset = reader.original_position() as usize;
            let op = match reader.read()? {
                wasmparser::Operator::End => break,
                wasmparser::Operator::I32Const { value } => ConstOp::I32Const(value),
                wasmparser::Operator::I64Const { value } => ConstOp::I64Const(value),
                wasmparser::Operator::F32Const { value } => ConstOp::F32Const(value.bits()),
                wasmparser::Operator::F64Const { value } => ConstOp::F64Const(value.bits()),
                wasmparser::Operator::V128Const { value } => {
                    ConstOp::V128Const(value.i128() as u128)
                }
                wasmparser::Operator::RefNull { hty } => {
                    let ty =
                        wasmparser::RefType::new(true, hty).ok_or(CompileError::Unsupported {
                            feature: "this heap type",
                            offset,
                        })?;
                    ConstOp::RefNull(convert::ref_type(ty, offset)?)
                }
                wasmparser::Operator::RefFunc { function_index } => {
                    ConstOp::RefFunc(FuncIndex::from_u32(function_index))
                }
                wasmparser::Operator::GlobalGet { global_index } => {
                    ConstOp::GlobalGet(GlobalIndex::from_u32(global_index))
                }
                wasmparser::Operator::I32Add => ConstOp::I32Add,
                wasmparser::Operator::I32Sub => ConstOp::I32Sub,
                wasmparser::Operator::I32Mul => ConstOp::I32Mul,
                wasmparser::Operator::I64Add => ConstOp::I64Add,
                wasmparser::Operator::I64Sub => ConstOp::I64Sub,
                wasmparser::Operator::I64Mul => ConstOp::I64Mul,
                _ => {
                    return Err(CompileError::Unsupported {
                        feature: "this constant-expression operator",
                        offset,
                    });
                }
            };
            ops.push(op);
        }
        Ok(Self { ops: ops.into() })
    }
}
