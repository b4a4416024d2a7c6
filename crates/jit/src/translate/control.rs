//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, the branches, `return`,
//! `unreachable`, `drop` and `select`. Multi-value parameters and results travel as block
//! parameters; code after an unconditional branch is skipped, tracking only its nesting.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, JumpTableData, Type};
use environ::wasmparser::{BlockType, BrTable};
use environ::{CompileError, TrapCode, TypeIndex};

use super::stack::{ControlFrame, FrameKind, block_args};
use super::{FuncTranslator, user_trap};

impl FuncTranslator<'_, '_> {
    /// The parameter and result types of a block type.
    fn block_types(
        &self,
        ty: BlockType,
        offset: usize,
    ) -> Result<(Vec<Type>, Vec<Type>), CompileError> {
        Ok(match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => (
                Vec::new(),
                vec![self.env.val_type(self.wasm_type(t, offset)?)],
            ),
            BlockType::FuncType(index) => {
                let ty = &self.env.module.types[TypeIndex::from_u32(index)];
                let map = |ts: &[environ::WasmValType]| {
                    ts.iter().map(|&t| self.env.val_type(t)).collect()
                };
                (map(&ty.params), map(&ty.results))
            }
        })
    }

    fn block_with_params(&mut self, types: &[Type]) -> Block {
        let block = self.builder.create_block();
        for &t in types {
            self.builder.append_block_param(block, t);
        }
        block
    }

    /// Replaces the top `n` values with `block`'s parameters after switching to it.
    fn enter_block(&mut self, block: Block, base: usize) {
        self.builder.switch_to_block(block);
        self.stack.truncate(base);
        let params = self.builder.block_params(block).to_vec();
        self.stack.extend(params);
    }

    /// `block`.
    pub(crate) fn op_block(&mut self, ty: BlockType, offset: usize) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty, offset)?;
        let dest = self.block_with_params(&results);
        self.control.push(ControlFrame {
            kind: FrameKind::Block,
            dest,
            num_params: params.len(),
            num_results: results.len(),
            base: self.stack.len() - params.len(),
            dest_reached: false,
        });
        Ok(())
    }

    /// `loop`: the header takes the parameters and carries the interruption checks.
    pub(crate) fn op_loop(&mut self, ty: BlockType, offset: usize) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty, offset)?;
        // Charge what came before the loop once, not on every iteration.
        self.flush_fuel();
        let header = self.block_with_params(&params);
        let dest = self.block_with_params(&results);
        let base = self.stack.len() - params.len();
        let args = block_args(self.peek_n(params.len()));
        self.builder.ins().jump(header, &args);
        self.enter_block(header, base);
        self.control.push(ControlFrame {
            kind: FrameKind::Loop { header },
            dest,
            num_params: params.len(),
            num_results: results.len(),
            base,
            dest_reached: false,
        });
        self.interruption_checks();
        Ok(())
    }

    /// `if`: both arms start in fresh blocks that take the parameters.
    pub(crate) fn op_if(&mut self, ty: BlockType, offset: usize) -> Result<(), CompileError> {
        let (params, results) = self.block_types(ty, offset)?;
        // Charge what came before the `if` on both arms.
        self.flush_fuel();
        let cond = self.pop();
        let then_block = self.block_with_params(&params);
        let else_block = self.block_with_params(&params);
        let dest = self.block_with_params(&results);
        let base = self.stack.len() - params.len();
        let args = block_args(self.peek_n(params.len()));
        self.builder
            .ins()
            .brif(cond, then_block, &args, else_block, &args);
        // Each arm has the `brif` as its only predecessor.
        self.builder.seal_block(then_block);
        self.builder.seal_block(else_block);
        self.enter_block(then_block, base);
        self.control.push(ControlFrame {
            kind: FrameKind::If {
                else_block,
                has_else: false,
            },
            dest,
            num_params: params.len(),
            num_results: results.len(),
            base,
            dest_reached: false,
        });
        Ok(())
    }

    /// `else`: the then-arm falls through to the exit; the else-arm begins.
    pub(crate) fn op_else(&mut self) {
        if self.unreachable_depth > 0 {
            return;
        }
        if self.reachable {
            self.fall_through_to_exit();
        }
        let frame = self.control.last_mut().expect("validated else");
        let FrameKind::If {
            else_block,
            has_else,
        } = &mut frame.kind
        else {
            unreachable!("validation pairs else with if");
        };
        *has_else = true;
        let (else_block, base) = (*else_block, frame.base);
        self.enter_block(else_block, base);
        self.reachable = true;
    }

    /// Jumps from the current position to the innermost frame's exit with its results.
    pub(crate) fn fall_through_to_exit(&mut self) {
        self.flush_fuel();
        let frame = self.control.last_mut().expect("open frame");
        frame.dest_reached = true;
        let (dest, n) = (frame.dest, frame.num_results);
        let args = block_args(self.peek_n(n));
        self.builder.ins().jump(dest, &args);
    }

    /// `end`: closes a construct, or the function body, which then returns.
    pub(crate) fn op_end(&mut self) {
        if self.unreachable_depth > 0 {
            self.unreachable_depth -= 1;
            return;
        }
        if self.reachable {
            // A legacy catch clause that ends normally is done with its exception.
            if let Some(FrameKind::LegacyTry {
                exnref: Some(exnref),
                ..
            }) = self.control.last().map(|frame| frame.kind)
            {
                self.release_caught(exnref);
            }
            self.fall_through_to_exit();
        }
        let frame = self.control.pop().expect("validated end");
        let mut reached = frame.dest_reached;
        if let FrameKind::LegacyTry { exnref, next_test } = frame.kind {
            self.close_legacy_try(exnref, next_test);
        }
        match frame.kind {
            FrameKind::If {
                else_block,
                has_else: false,
            } => {
                // Without an else arm the parameters pass straight through; validation
                // guarantees they match the results.
                self.builder.switch_to_block(else_block);
                let params = block_args(self.builder.block_params(else_block));
                self.builder.ins().jump(frame.dest, &params);
                reached = true;
            }
            // Every back edge to the header lies inside the loop, so all are known now;
            // sealing here (not at the end of the function) lets SSA construction see
            // that values unchanged in the loop need no header parameter.
            FrameKind::Loop { header } => self.builder.seal_block(header),
            FrameKind::TryTable => self.close_try_table(),
            _ => {}
        }
        self.finish_construct(frame, reached);
    }

    /// The common end of a construct whose frame is popped: seal its exit and continue
    /// there if anything reaches it (returning, for the function body).
    pub(crate) fn finish_construct(&mut self, frame: ControlFrame, reached: bool) {
        // Every branch to the exit comes from inside the construct.
        self.builder.seal_block(frame.dest);
        self.reachable = reached;
        if !reached {
            return;
        }
        self.enter_block(frame.dest, frame.base);
        if self.control.is_empty() {
            let results = self.stack.split_off(0);
            self.builder.ins().return_(&results);
            self.reachable = false;
        }
    }

    /// The frame `depth` levels out, marked as branched to.
    pub(crate) fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let index = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[index];
        if !matches!(frame.kind, FrameKind::Loop { .. }) {
            frame.dest_reached = true;
        }
        frame.branch_target()
    }

    /// `br`.
    pub(crate) fn op_br(&mut self, depth: u32) {
        self.flush_fuel();
        let (target, n) = self.branch_target(depth);
        let args = block_args(self.peek_n(n));
        self.builder.ins().jump(target, &args);
        self.reachable = false;
    }

    /// `br_if`: the values stay on the stack for the fallthrough.
    pub(crate) fn op_br_if(&mut self, depth: u32) {
        self.flush_fuel();
        let cond = self.pop();
        let (target, n) = self.branch_target(depth);
        let args = block_args(self.peek_n(n));
        let next = self.builder.create_block();
        self.builder.ins().brif(cond, target, &args, next, &[]);
        self.builder.seal_block(next);
        self.builder.switch_to_block(next);
    }

    /// `br_on_null`: branches with the values below the reference when it is null, and
    /// otherwise leaves it on the stack.
    pub(crate) fn op_br_on_null(&mut self, depth: u32) {
        self.flush_fuel();
        let reference = self.pop();
        let (target, n) = self.branch_target(depth);
        let args = block_args(self.peek_n(n));
        let next = self.builder.create_block();
        let is_null = self.builder.ins().icmp_imm_s(IntCC::Equal, reference, 0);
        self.builder.ins().brif(is_null, target, &args, next, &[]);
        self.builder.seal_block(next);
        self.builder.switch_to_block(next);
        self.push(reference);
    }

    /// `br_on_non_null`: branches with the reference (the label's last value) when it is
    /// not null, and otherwise drops it.
    pub(crate) fn op_br_on_non_null(&mut self, depth: u32) {
        self.flush_fuel();
        let reference = *self.stack.last().expect("validated operand stack");
        let (target, n) = self.branch_target(depth);
        let args = block_args(self.peek_n(n));
        let next = self.builder.create_block();
        self.builder.ins().brif(reference, target, &args, next, &[]);
        self.builder.seal_block(next);
        self.builder.switch_to_block(next);
        self.pop();
    }

    /// `br_table`. Targets that take values go through one edge block per distinct depth,
    /// since a jump table passes no arguments.
    pub(crate) fn op_br_table(&mut self, table: &BrTable<'_>) -> Result<(), CompileError> {
        self.flush_fuel();
        let index = self.pop();
        let mut edges: HashMap<u32, Block> = HashMap::new();
        let default = self.br_table_edge(table.default(), &mut edges);
        let mut targets = Vec::with_capacity(table.len() as usize);
        for depth in table.targets() {
            targets.push(self.br_table_edge(depth?, &mut edges));
        }
        let dfg = &mut self.builder.func.dfg;
        let default_call = dfg.block_call(default, &[]);
        let calls: Vec<_> = targets.iter().map(|&b| dfg.block_call(b, &[])).collect();
        let jt = self
            .builder
            .create_jump_table(JumpTableData::new(default_call, &calls));
        self.builder.ins().br_table(index, jt);
        let mut edges: Vec<(u32, Block)> = edges.into_iter().collect();
        edges.sort_unstable_by_key(|&(depth, _)| depth);
        for (depth, edge) in edges {
            let (target, n) = self.branch_target(depth);
            self.builder.seal_block(edge);
            self.builder.switch_to_block(edge);
            let args = block_args(self.peek_n(n));
            self.builder.ins().jump(target, &args);
        }
        self.reachable = false;
        Ok(())
    }

    /// The block a `br_table` entry jumps to: the target itself when it takes no values,
    /// otherwise the edge block of its depth, created on first use.
    fn br_table_edge(&mut self, depth: u32, edges: &mut HashMap<u32, Block>) -> Block {
        let (target, n) = self.branch_target(depth);
        if n == 0 {
            return target;
        }
        *edges
            .entry(depth)
            .or_insert_with(|| self.builder.create_block())
    }

    /// `return`.
    pub(crate) fn op_return(&mut self) {
        self.flush_fuel();
        let n = self.control[0].num_results;
        let results = self.peek_n(n).to_vec();
        self.builder.ins().return_(&results);
        self.reachable = false;
    }

    /// `unreachable`.
    pub(crate) fn op_unreachable(&mut self) {
        self.builder
            .ins()
            .trap(user_trap(TrapCode::UnreachableCodeReached));
        self.reachable = false;
    }

    /// `select` and typed `select`.
    pub(crate) fn op_select(&mut self) {
        let cond = self.pop();
        let b = self.pop();
        let a = self.pop();
        let v = self.builder.ins().select(cond, a, b);
        self.push(v);
    }

    /// `drop`.
    pub(crate) fn op_drop(&mut self) {
        self.pop();
    }

    /// Skips a construct opened in unreachable code.
    pub(crate) fn enter_unreachable_construct(&mut self) {
        self.unreachable_depth += 1;
    }
}
