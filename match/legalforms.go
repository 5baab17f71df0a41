package match

// cjkLegalForms are Japanese, Chinese and Korean legal forms, which are
// written without a space before or after the name; longest first.
var cjkLegalForms = [...]string{
	"股份有限公司", "有限责任公司", "有限責任公司",
	"株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "有限公司", "주식회사", "유한회사",
}

// legalPrefixes are legal forms written before the name ("AB Volvo",
// "PT Bank Central Asia", "ООО Ромашка"); dropped only when a word follows.
var legalPrefixes = map[string]bool{
	"ab": true, "pt": true, "ooo": true, "zao": true, "oao": true, "pao": true,
	"ojsc": true, "pjsc": true, "cjsc": true, "ооо": true, "зао": true, "оао": true,
	"пао": true, "株": true, "주": true,
}

// legalSuffixNames are the legal forms dropped from the end of a name, as
// people write them; they go through the same pipeline as names, so "S.A.",
// "S A" and "SA" are one entry.
var legalSuffixNames = []string{
	// English-speaking countries.
	"Inc", "Incorporated", "Corp", "Corporation", "Co", "Company", "Cos",
	"Co Inc", "Co Ltd", "Co Limited", "Co LLC", "Corp Ltd",
	"LLC", "L.L.C.", "Limited Liability Company", "Ltd", "Limited", "LLP",
	"Limited Liability Partnership", "LP", "L.P.", "LLLP", "Limited Partnership",
	"PLC", "P.L.C.", "Public Limited Company", "PLLC", "P.L.L.C.", "N.A.",
	"Pty", "Pty Ltd", "Pty Limited", "Proprietary Limited", "Ltd Co",
	"Pvt Ltd", "Private Limited", "Pvt", "Pte", "Pte Ltd", "Sdn Bhd", "Bhd",
	"Berhad", "Sendirian Berhad", "CIC", "Unlimited Company", "ULC",
	// German-speaking countries.
	"GmbH", "gGmbH", "mbH", "AG", "KG", "KGaA", "OHG", "UG",
	"UG (haftungsbeschränkt)", "e.V.", "eG", "GmbH & Co. KG", "GmbH & Co. KGaA",
	"GmbH & Co. OHG", "AG & Co. KG", "AG & Co. KGaA", "SE & Co. KGaA", "& Co. KG",
	"Gesellschaft mit beschränkter Haftung", "Aktiengesellschaft",
	"Kommanditgesellschaft",
	// Romance-language countries.
	"SA", "S.A.", "SAS", "S.A.S.", "SASU", "SARL", "S.à r.l.", "EURL", "SCA",
	"SCS", "SNC", "Société Anonyme", "Société à responsabilité limitée",
	"et Cie", "& Cie", "Cie",
	"SRL", "S.R.L.", "S.p.A.", "SpA", "S.a.s.", "S.n.c.", "Srls",
	"Società per Azioni", "Società a responsabilità limitata",
	"SL", "S.L.", "SLU", "S.L.U.", "SAU", "S.A.U.", "SLL", "Sociedad Anónima",
	"Sociedad Limitada", "S.A. de C.V.", "S.A.B. de C.V.", "S. de R.L.",
	"S. de R.L. de C.V.", "SAPI de CV", "Ltda", "Lda", "EIRELI", "S/A", "Cia", "Compañía",
	"Compagnie",
	// Benelux.
	"BV", "B.V.", "NV", "N.V.", "VOF", "BVBA", "CVBA", "SPRL", "SCRL",
	"Besloten Vennootschap", "Naamloze Vennootschap",
	// Nordic countries.
	"AB", "AB (publ)", "publ", "AS", "A/S", "ASA", "ApS", "IVS", "Oy", "Oyj",
	"Ab Oy", "Aktiebolag", "Aktieselskab", "Anpartsselskab", "Osakeyhtiö",
	"hf", "ehf", "SE",
	// Central and Eastern Europe.
	"sp. z o.o.", "Sp. z o.o. Sp. k.", "sp.k.", "Spółka z ograniczoną odpowiedzialnością",
	"Spółka Akcyjna", "s.r.o.", "spol. s r.o.", "a.s.", "k.s.", "v.o.s.",
	"Kft", "Zrt", "Nyrt", "d.o.o.", "d.d.", "EOOD", "OOD", "EAD",
	"A.Ş.", "Ltd. Şti.", "Şti", "OOO", "ZAO", "OAO", "PAO", "PJSC", "JSC",
	"OJSC", "CJSC", "TOV", "ООО", "ЗАО", "ОАО", "ПАО",
	// Asia, Oceania, Middle East, Africa.
	"KK", "K.K.", "Kabushiki Kaisha", "GK", "Godo Kaisha", "YK", "Yugen Kaisha",
	"Co., Ltd.", "Tbk", "PT Tbk", "JSC", "LLC-FZ", "FZE", "FZCO", "FZ-LLC",
	"DMCC", "WLL", "W.L.L.", "SAOG", "SAOC", "PSC", "PJSC", "(Pty) Ltd",
	"NL", "Pvt. Ltd.", "OPC Pvt Ltd",
}
