//! Embedding Tarn: compile a module, give it a host function that reads guest memory,
//! call an export, and catch a trap.
//!
//! Run with `cargo run --example embed`.

use tarn::{Caller, Engine, Error, Extern, Linker, Module, Store, Trap};

const GUEST: &str = r#"
(module
  (import "host" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm")
  (func (export "greet") (call $log (i32.const 16) (i32.const 15)))
  (func (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))
"#;

fn main() -> Result<(), Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST)?;
    let mut store = Store::new(&engine, Vec::<String>::new());

    let mut linker = Linker::new(&engine);
    linker.func_wrap(
        "host",
        "log",
        |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| -> Result<(), Error> {
            let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                return Err(Error::msg("the guest exports no memory"));
            };
            let mut bytes = vec![0; len as usize];
            memory.read(&caller, ptr as usize, &mut bytes)?;
            let line = String::from_utf8_lossy(&bytes).into_owned();
            caller.data_mut().push(line);
            Ok(())
        },
    )?;
    let instance = linker.instantiate(&mut store, &module)?;

    let greet = instance.get_typed_func::<(), ()>(&mut store, "greet")?;
    greet.call(&mut store, ())?;
    println!("the guest said: {:?}", store.data());

    let divide = instance.get_typed_func::<(i32, i32), i32>(&mut store, "divide")?;
    println!("7 / 2 = {}", divide.call(&mut store, (7, 2))?);
    match divide.call(&mut store, (1, 0)) {
        Err(e) if e.is::<Trap>() => println!("1 / 0 trapped: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
