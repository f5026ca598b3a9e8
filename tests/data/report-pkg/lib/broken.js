function (( {
