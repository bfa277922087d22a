fn main() {
    let args: Vec<String> = std::env::args().collect();
    let p = corridor_xmldsig::new_publisher("Test", [5u8; 32], std::time::SystemTime::now(), 30)
        .unwrap();
    std::fs::write(&args[2], &p.cert_pem).unwrap();
    let s = corridor_xmldsig::Signer::from_pem(&p.key_pem, &p.cert_pem).unwrap();
    let xml = std::fs::read_to_string(&args[1]).unwrap();
    print!("{}", s.sign(&xml).unwrap());
}
