"""Resources shipped with xinfang_desk (fonts, icons, style), mapped into the package as xinfang_desk.resources."""
