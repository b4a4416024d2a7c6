//! Fuel and epoch interruption: charging fuel into `VMStoreContext::fuel_consumed` at
//! control transfers, and the checks at function entry and loop headers that call
//! `OutOfGas` or `NewEpoch` on a cold path, as the contract in ARCHITECTURE.md says.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use environ::BuiltinFunction;

use super::FuncTranslator;
use crate::func_env::{to_offset, trusted};

impl FuncTranslator<'_, '_> {
    /// Charges the fuel of the operators translated since the last charge, when fuel is on.
    pub(crate) fn flush_fuel(&mut self) {
        if !self.env.tunables.consume_fuel || self.pending_fuel == 0 || !self.reachable {
            self.pending_fuel = 0;
            return;
        }
        let field = to_offset(self.env.offsets.vmstore_context_fuel_consumed());
        let store = self.env.store_context(&mut self.builder, self.vmctx);
        let fuel = self.builder.ins().load(types::I64, trusted(), store, field);
        let fuel = self.builder.ins().iadd_imm_s(fuel, self.pending_fuel);
        self.builder.ins().store(trusted(), fuel, store, field);
        self.pending_fuel = 0;
    }

    /// The fuel and epoch checks at function entry and loop headers.
    pub(crate) fn interruption_checks(&mut self) {
        if self.env.tunables.consume_fuel {
            self.flush_fuel();
            let field = to_offset(self.env.offsets.vmstore_context_fuel_consumed());
            let store = self.env.store_context(&mut self.builder, self.vmctx);
            let fuel = self.builder.ins().load(types::I64, trusted(), store, field);
            let out = self
                .builder
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, fuel, 0);
            self.call_builtin_when(out, BuiltinFunction::OutOfGas);
        }
        if self.env.tunables.epoch_interruption {
            let counter_ptr = self.env.load_immutable_ptr(
                &mut self.builder,
                self.vmctx,
                self.env.offsets.vmctx_epoch_counter(),
            );
            let epoch = self
                .builder
                .ins()
                .load(types::I64, trusted(), counter_ptr, 0);
            let store = self.env.store_context(&mut self.builder, self.vmctx);
            let field = to_offset(self.env.offsets.vmstore_context_epoch_deadline());
            let deadline = self.builder.ins().load(types::I64, trusted(), store, field);
            let due = self
                .builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
            self.call_builtin_when(due, BuiltinFunction::NewEpoch);
        }
    }

    /// Calls a fallible, argument-less builtin (`OutOfGas`, `NewEpoch`) on a cold path when
    /// `cond` holds, raising if it fails.
    fn call_builtin_when(&mut self, cond: Value, builtin: BuiltinFunction) {
        let slow = self.builder.create_block();
        let cont = self.builder.create_block();
        self.builder.set_cold_block(slow);
        self.builder.ins().brif(cond, slow, &[], cont, &[]);
        self.builder.seal_block(slow);
        self.builder.switch_to_block(slow);
        let ok = self.call_builtin(builtin, &[]).expect("builtin returns ok");
        self.raise_unless_ok(ok);
        self.builder.ins().jump(cont, &[]);
        self.builder.seal_block(cont);
        self.builder.switch_to_block(cont);
    }
}
