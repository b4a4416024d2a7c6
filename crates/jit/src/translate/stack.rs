//! The translator's two stacks: the value stack of CLIF values mirroring wasm's operand
//! stack, and the control stack of `block`, `loop` and `if` frames that say where branches
//! go and how many values they carry.

use cranelift_codegen::ir::{Block, BlockArg, Value};

/// What kind of construct opened a control frame, with the blocks only it has.
#[derive(Copy, Clone, Debug)]
pub(crate) enum FrameKind {
    /// A `block`, or the function body itself.
    Block,
    /// A `try_table`: a block whose handler scope closes at its `end`.
    TryTable,
    /// A legacy `try`: a block whose handler scope closes at its first `catch` (or its
    /// `delegate` or `end`); in the catch clauses, `exnref` is the caught exception and
    /// `next_test` the block that tests the next clause.
    LegacyTry {
        /// The caught exception, once the catch clauses have begun.
        exnref: Option<cranelift_codegen::ir::Value>,
        /// Where control goes when the current `catch` clause's tag did not match;
        /// `None` after `catch_all`.
        next_test: Option<Block>,
    },
    /// A `loop`: branches go back to `header` with the loop's parameters.
    Loop {
        /// The loop header.
        header: Block,
    },
    /// An `if`: `else_block` takes the parameters when the condition is false.
    If {
        /// Entered when the condition is zero.
        else_block: Block,
        /// Whether the `else` arm has started.
        has_else: bool,
    },
}

/// One open construct.
#[derive(Clone, Debug)]
pub(crate) struct ControlFrame {
    /// Which construct this is.
    pub(crate) kind: FrameKind,
    /// The block after `end`, whose parameters are the construct's results.
    pub(crate) dest: Block,
    /// How many values the construct takes.
    pub(crate) num_params: usize,
    /// How many values it leaves.
    pub(crate) num_results: usize,
    /// The value-stack height below the parameters.
    pub(crate) base: usize,
    /// Whether any branch (or fallthrough) reaches `dest`, so code after `end` is live.
    pub(crate) dest_reached: bool,
}

impl ControlFrame {
    /// The block a branch to this frame jumps to and how many values it passes: a loop's
    /// header takes its parameters, every other frame's exit takes its results.
    pub(crate) fn branch_target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.num_params),
            _ => (self.dest, self.num_results),
        }
    }
}

/// Wraps plain values as block arguments.
pub(crate) fn block_args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|&v| BlockArg::Value(v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::entity::EntityRef;

    fn frame(kind: FrameKind) -> ControlFrame {
        ControlFrame {
            kind,
            dest: Block::new(9),
            num_params: 1,
            num_results: 2,
            base: 0,
            dest_reached: false,
        }
    }

    #[test]
    fn branches_to_a_loop_go_to_its_header_with_its_parameters() {
        let header = Block::new(3);
        assert_eq!(
            frame(FrameKind::Loop { header }).branch_target(),
            (header, 1)
        );
    }

    #[test]
    fn branches_to_a_block_or_if_go_to_its_exit_with_its_results() {
        assert_eq!(frame(FrameKind::Block).branch_target(), (Block::new(9), 2));
        let if_frame = frame(FrameKind::If {
            else_block: Block::new(4),
            has_else: false,
        });
        assert_eq!(if_frame.branch_target(), (Block::new(9), 2));
    }
}
