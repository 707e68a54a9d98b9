package flagkit

// RaceEnabled is raceEnabled for the external tests (package flagkit_test).
const RaceEnabled = raceEnabled
