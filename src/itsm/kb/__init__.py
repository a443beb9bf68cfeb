"""Knowledge base: answers technicians write once and users find before asking."""
