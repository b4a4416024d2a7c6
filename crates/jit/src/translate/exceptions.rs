//! Exception handling: `try_table`, `throw` and `throw_ref`, and the legacy `try`,
//! `catch`, `catch_all`, `delegate` and `rethrow` on the same machinery.
//!
//! Each open `try_table` is a handler scope with a dispatch block. Every ordinary call
//! inside it becomes a `try_call` whose only exception edge (a catch-all) leads to that
//! block with the `exnref` the unwinder passes; a `throw` or `throw_ref` inside it jumps
//! there directly. The dispatch block tries the catch clauses in order, asking the
//! `ExceptionMatches` builtin about tags (an imported tag may be any instance's), and
//! passes an unmatched exception to the enclosing scope's dispatch block, or, outside
//! every scope of this function, to `ThrowRef`, which unwinds into the callers. Code that
//! does not throw pays only at the calls directly inside a `try_table`: a `try_call` is
//! a `call` that clobbers every register, so values live across it are spilled.

use cranelift_codegen::ir::{
    self, Block, BlockArg, ExceptionTableData, ExceptionTableItem, InstBuilder, StackSlotData,
    StackSlotKind, Value,
};
use environ::wasmparser::{BlockType, Catch, TryTable};
use environ::{BuiltinFunction, CompileError, TagIndex, TrapCode};

use super::stack::{FrameKind, block_args};
use super::{FuncTranslator, user_trap};
use crate::func_env::{to_offset, trusted};
use crate::trampolines::VAL_RAW_SIZE;

/// One catch clause, resolved to its branch target when the `try_table` opened.
#[derive(Clone, Debug)]
struct Clause {
    /// `None` for `catch_all` and `catch_all_ref`.
    tag: Option<TagIndex>,
    /// Whether the `exnref` follows the payload (`catch_ref`, `catch_all_ref`).
    with_ref: bool,
    target: Block,
}

/// An open `try_table`, or the body of a legacy `try`.
#[derive(Clone, Debug)]
pub(crate) struct HandlerScope {
    /// Takes the exception (`exnref`) as its one parameter.
    dispatch: Block,
    /// The `try_table`'s clauses; empty for a legacy `try`, whose clauses follow its
    /// body as code.
    clauses: Vec<Clause>,
    /// Whether anything can reach `dispatch`.
    used: bool,
    /// The index of the construct's control frame: `delegate` finds the scope that
    /// encloses its target label by it.
    frame: usize,
}

impl FuncTranslator<'_, '_> {
    /// `try_table`: a block whose calls and throws land in its catch clauses.
    pub(crate) fn op_try_table(
        &mut self,
        try_table: &TryTable,
        offset: usize,
    ) -> Result<(), CompileError> {
        // Catch labels are relative to the construct around the `try_table`.
        let clauses = try_table
            .catches
            .iter()
            .map(|catch| {
                let (tag, with_ref, label) = match *catch {
                    Catch::One { tag, label } => (Some(TagIndex::from_u32(tag)), false, label),
                    Catch::OneRef { tag, label } => (Some(TagIndex::from_u32(tag)), true, label),
                    Catch::All { label } => (None, false, label),
                    Catch::AllRef { label } => (None, true, label),
                };
                let (target, _) = self.branch_target(label);
                Clause {
                    tag,
                    with_ref,
                    target,
                }
            })
            .collect();
        self.push_handler_scope(clauses);
        self.op_block(try_table.ty, offset)?;
        self.control.last_mut().expect("just pushed").kind = FrameKind::TryTable;
        Ok(())
    }

    /// Opens a handler scope for the construct about to be pushed on the control stack.
    fn push_handler_scope(&mut self, clauses: Vec<Clause>) {
        let dispatch = self.builder.create_block();
        self.builder.append_block_param(dispatch, self.env.ptr);
        self.builder.set_cold_block(dispatch);
        self.handlers.push(HandlerScope {
            dispatch,
            clauses,
            used: false,
            frame: self.control.len(),
        });
    }

    /// Legacy `try`: a block whose calls and throws land in the `catch` clauses that
    /// follow its body.
    pub(crate) fn op_try(&mut self, ty: BlockType, offset: usize) -> Result<(), CompileError> {
        self.push_handler_scope(Vec::new());
        self.op_block(ty, offset)?;
        self.control.last_mut().expect("just pushed").kind = FrameKind::LegacyTry {
            exnref: None,
            next_test: None,
        };
        Ok(())
    }

    /// Legacy `catch $tag` (`Some`) or `catch_all` (`None`): ends the body or the previous
    /// clause and starts this clause's code, with the payload on the stack for `catch`.
    pub(crate) fn op_catch(&mut self, tag: Option<TagIndex>) {
        if self.unreachable_depth > 0 {
            return;
        }
        let index = self.control.len() - 1;
        let FrameKind::LegacyTry { exnref, next_test } = self.control[index].kind else {
            unreachable!("validation pairs catch with try");
        };
        if self.reachable {
            // The previous clause ends normally: its exception is no longer needed.
            if let Some(exnref) = exnref {
                self.release_caught(exnref);
            }
            self.fall_through_to_exit();
        }
        let exnref = match exnref {
            // The first clause: the body is over, and so is its handler scope. (When
            // nothing in the body can throw, the clauses are unreachable code.)
            None => {
                let scope = self.handlers.pop().expect("validated try");
                self.enter_dispatch(scope.dispatch)
            }
            Some(exnref) => {
                let test = next_test.expect("validation forbids clauses after catch_all");
                self.builder.switch_to_block(test);
                exnref
            }
        };
        let base = self.control[index].base;
        self.stack.truncate(base);
        let next_test = match tag {
            Some(tag) => {
                let next = self.test_tag(exnref, tag);
                let payload = self.load_payload(exnref, tag);
                self.stack.extend(payload);
                Some(next)
            }
            None => None,
        };
        self.control[index].kind = FrameKind::LegacyTry {
            exnref: Some(exnref),
            next_test,
        };
        self.reachable = true;
    }

    /// A handler is done with an exception it caught and did not keep: frees it unless
    /// it escaped (see `vm::ExceptionHeap::release`).
    pub(crate) fn release_caught(&mut self, exnref: Value) {
        self.call_builtin(BuiltinFunction::ExceptionRelease, &[exnref]);
    }

    /// Closes a legacy `try` at its `end` (called after its frame is popped): an
    /// exception no clause matched, or one thrown by a `try` without clauses, goes on to
    /// the enclosing handlers.
    pub(crate) fn close_legacy_try(&mut self, exnref: Option<Value>, next_test: Option<Block>) {
        match exnref {
            None => {
                let scope = self.handlers.pop().expect("validated try");
                if scope.used {
                    let exnref = self.enter_dispatch(scope.dispatch);
                    self.rethrow(exnref);
                }
            }
            Some(exnref) => {
                if let Some(test) = next_test {
                    self.builder.switch_to_block(test);
                    self.rethrow(exnref);
                }
            }
        }
    }

    /// Legacy `delegate $l`: ends a `try` without clauses; what its body throws goes to
    /// the handlers around label `$l` (counted outside the `try`), or to the caller when
    /// that is the function's label.
    pub(crate) fn op_delegate(&mut self, depth: u32) {
        if self.unreachable_depth > 0 {
            self.unreachable_depth -= 1;
            return;
        }
        if self.reachable {
            self.fall_through_to_exit();
        }
        let frame = self.control.pop().expect("validated delegate");
        let scope = self.handlers.pop().expect("validated try");
        if scope.used {
            let exnref = self.enter_dispatch(scope.dispatch);
            let target = self.control.len() - 1 - depth as usize;
            let outer = self
                .handlers
                .iter_mut()
                .rev()
                .find(|scope| scope.frame <= target);
            match outer {
                Some(outer) => {
                    outer.used = true;
                    let dispatch = outer.dispatch;
                    self.builder
                        .ins()
                        .jump(dispatch, &[BlockArg::Value(exnref)]);
                }
                None => self.throw_to_caller(exnref),
            }
        }
        let reached = frame.dest_reached;
        self.finish_construct(frame, reached);
    }

    /// Legacy `rethrow $l`: throws again the exception caught by the `catch` clause at
    /// label `$l`.
    pub(crate) fn op_rethrow(&mut self, depth: u32) {
        self.flush_fuel();
        let index = self.control.len() - 1 - depth as usize;
        let FrameKind::LegacyTry {
            exnref: Some(exnref),
            ..
        } = self.control[index].kind
        else {
            unreachable!("validation points rethrow at a catch clause");
        };
        // The clause that caught it still refers to it (it may catch it again and end
        // normally), so whoever catches it next must not free it.
        self.call_builtin(BuiltinFunction::ExceptionEscaped, &[exnref]);
        self.rethrow(exnref);
        self.reachable = false;
    }

    /// The dispatch block of the innermost handler scope, marked as used.
    pub(crate) fn current_dispatch(&mut self) -> Option<Block> {
        let scope = self.handlers.last_mut()?;
        scope.used = true;
        Some(scope.dispatch)
    }

    /// Closes the innermost handler scope at its `try_table`'s `end`, emitting its
    /// dispatch code.
    pub(crate) fn close_try_table(&mut self) {
        let scope = self.handlers.pop().expect("validated try_table");
        if !scope.used {
            return;
        }
        let exnref = self.enter_dispatch(scope.dispatch);
        for clause in &scope.clauses {
            let mut args = Vec::new();
            let next = clause.tag.map(|tag| {
                let next = self.test_tag(exnref, tag);
                args = self.load_payload(exnref, tag);
                next
            });
            if clause.with_ref {
                self.call_builtin(BuiltinFunction::ExceptionEscaped, &[exnref]);
                args.push(exnref);
            } else {
                self.release_caught(exnref);
            }
            self.builder.ins().jump(clause.target, &block_args(&args));
            match next {
                Some(next) => self.builder.switch_to_block(next),
                None => return,
            }
        }
        self.rethrow(exnref);
    }

    /// `throw`: a new exception of `tag` with the payload from the stack.
    pub(crate) fn op_throw(&mut self, tag: TagIndex) {
        self.flush_fuel();
        let arity = self.tag_params(tag).len();
        let payload = self.pop_n(arity);
        let slot = self.value_slot(arity);
        for (i, &value) in payload.iter().enumerate() {
            self.builder.ins().stack_store(
                self.env.ptr,
                value,
                slot,
                to_offset(i as u32 * VAL_RAW_SIZE),
            );
        }
        let address = self.builder.ins().stack_addr(self.env.ptr, slot, 0);
        let tag_value = self.index_const(tag.as_u32());
        let exnref = self
            .call_builtin(BuiltinFunction::ExceptionNew, &[tag_value, address])
            .expect("ExceptionNew returns an exnref");
        self.rethrow(exnref);
        self.reachable = false;
    }

    /// `throw_ref`: traps on null, otherwise throws the exception again.
    pub(crate) fn op_throw_ref(&mut self) {
        self.flush_fuel();
        let exnref = self.pop();
        self.builder
            .ins()
            .trapz(exnref, user_trap(TrapCode::NullExceptionReference));
        self.rethrow(exnref);
        self.reachable = false;
    }

    /// Sends an exception to the innermost handler scope of this function, or unwinds
    /// into the callers. Ends the current block.
    fn rethrow(&mut self, exnref: Value) {
        if let Some(dispatch) = self.current_dispatch() {
            self.builder
                .ins()
                .jump(dispatch, &[BlockArg::Value(exnref)]);
            return;
        }
        self.throw_to_caller(exnref);
    }

    /// Unwinds into the callers with `ThrowRef`. Ends the current block.
    fn throw_to_caller(&mut self, exnref: Value) {
        let fp = self.builder.ins().get_frame_pointer(self.env.ptr);
        self.call_builtin(BuiltinFunction::ThrowRef, &[exnref, fp]);
        // `ThrowRef` never returns; the trap only terminates the block.
        self.builder
            .ins()
            .trap(user_trap(TrapCode::UnreachableCodeReached));
    }

    /// A call inside a handler scope: a `try_call` whose exception edge goes to the
    /// scope's dispatch block. Returns the call's results.
    pub(crate) fn emit_try_call(
        &mut self,
        dispatch: Block,
        sig: ir::SigRef,
        callee: Result<ir::FuncRef, Value>,
        args: &[Value],
    ) -> Vec<Value> {
        let returns: Vec<ir::Type> = self.builder.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        let cont = self.builder.create_block();
        for &ty in &returns {
            self.builder.append_block_param(cont, ty);
        }
        let dfg = &mut self.builder.func.dfg;
        let results: Vec<BlockArg> = (0..returns.len())
            .map(|i| BlockArg::TryCallRet(i as u32))
            .collect();
        let normal = dfg.block_call(cont, &results);
        let exceptional = dfg.block_call(dispatch, &[BlockArg::TryCallExn(0)]);
        let table = dfg.exception_tables.push(ExceptionTableData::new(
            sig,
            normal,
            [ExceptionTableItem::Default(exceptional)],
        ));
        match callee {
            Ok(func) => self.builder.ins().try_call(func, args, table),
            Err(code) => self.builder.ins().try_call_indirect(code, args, table),
        };
        self.builder.seal_block(cont);
        self.builder.switch_to_block(cont);
        self.builder.block_params(cont).to_vec()
    }

    /// Starts emitting a closed scope's dispatch block, whose predecessors are all known
    /// now, and returns the exception it receives.
    fn enter_dispatch(&mut self, dispatch: Block) -> Value {
        self.builder.switch_to_block(dispatch);
        self.builder.seal_block(dispatch);
        self.builder.block_params(dispatch)[0]
    }

    /// Branches on whether the exception is of `tag`: continues in the matching case and
    /// returns the block of the other.
    fn test_tag(&mut self, exnref: Value, tag: TagIndex) -> Block {
        let tag_value = self.index_const(tag.as_u32());
        let matched = self
            .call_builtin(BuiltinFunction::ExceptionMatches, &[exnref, tag_value])
            .expect("ExceptionMatches returns a flag");
        let hit = self.builder.create_block();
        let next = self.builder.create_block();
        self.builder.ins().brif(matched, hit, &[], next, &[]);
        self.builder.seal_block(hit);
        self.builder.seal_block(next);
        self.builder.switch_to_block(hit);
        next
    }

    fn tag_params(&self, tag: TagIndex) -> &[environ::WasmValType] {
        let module = &self.env.module;
        &module.types[module.tags[tag]].params
    }

    /// A stack slot of `count` `ValRaw`s.
    fn value_slot(&mut self, count: usize) -> ir::StackSlot {
        let size = (count.max(1) as u32) * VAL_RAW_SIZE;
        self.builder.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            4,
        ))
    }

    /// The payload of an exception known to be of `tag`, as values.
    fn load_payload(&mut self, exnref: Value, tag: TagIndex) -> Vec<Value> {
        let params = self.tag_params(tag).to_vec();
        if params.is_empty() {
            return Vec::new();
        }
        let slot = self.value_slot(params.len());
        let address = self.builder.ins().stack_addr(self.env.ptr, slot, 0);
        self.call_builtin(BuiltinFunction::ExceptionPayload, &[exnref, address]);
        params
            .iter()
            .enumerate()
            .map(|(i, &ty)| {
                let ty = self.env.val_type(ty);
                self.builder
                    .ins()
                    .load(ty, trusted(), address, to_offset(i as u32 * VAL_RAW_SIZE))
            })
            .collect()
    }
}
